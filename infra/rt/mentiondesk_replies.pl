# Request Tracker 5 initialdata: the global scrip that tells mentiondesk an agent replied.
#
#   rt-setup-database-5 --action insert --datafile infra/rt/mentiondesk_replies.pl
#
# RT 5 has no webhooks and REST2 cannot create scrips, hence this file (docs/helpdesk-replies.md).
# On every Correspond (a reply to the requestors; a Comment is internal and does not fire) by a
# privileged user, it POSTs {"ticket_id", "transaction_id", "type", "creator"} to
# /helpdesk-replies/request_tracker, signed `X-Signature: sha256=<hex HMAC-SHA256(secret, body)>`.
# The URL and the secret come from RT's own config, so this file holds no secret:
#   Set($MentiondeskRepliesURL, 'https://<api>/helpdesk-replies/request_tracker');
#   Set($MentiondeskRepliesSecret, '<the brand's helpdesk webhook_secret>');
# Without them it does nothing. It runs inside the agent's request, so it waits at most 3 seconds
# and never fails the reply: an undelivered POST is logged, and mentiondesk's periodic sweep of
# the ticket's comments picks the reply up anyway.

my $prepare = <<'PERL';
return 0 unless RT->Config->Get('MentiondeskRepliesURL') && RT->Config->Get('MentiondeskRepliesSecret');
return $self->TransactionObj->CreatorObj->Privileged ? 1 : 0;    # staff replies only
PERL

my $commit = <<'PERL';
my $url    = RT->Config->Get('MentiondeskRepliesURL');
my $secret = RT->Config->Get('MentiondeskRepliesSecret');
my $txn    = $self->TransactionObj;
my $ok = eval {
    require LWP::UserAgent;
    require JSON;
    require Digest::SHA;
    my $body = JSON::encode_json( {
        ticket_id      => '' . $self->TicketObj->id,
        transaction_id => '' . $txn->id,
        type           => $txn->Type,
        creator        => $txn->CreatorObj->Name,
    } );
    my $response = LWP::UserAgent->new( timeout => 3, agent => 'rt-mentiondesk-replies/1' )->post(
        $url,
        'Content-Type' => 'application/json',
        'X-Signature'  => 'sha256=' . Digest::SHA::hmac_sha256_hex( $body, $secret ),
        Content        => $body,
    );
    RT->Logger->warning( 'mentiondesk: reply #' . $txn->id . ' not delivered: ' . $response->status_line )
        unless $response->is_success;
    1;
};
RT->Logger->warning( 'mentiondesk: reply #' . $txn->id . ' not delivered: ' . ( $@ || 'unknown error' ) ) unless $ok;
return 1;    # never block or fail the agent's reply
PERL

@Scrips = (
    {
        Description       => 'On Correspond, tell mentiondesk (replies)',
        ScripCondition    => 'On Correspond',
        ScripAction       => 'User Defined',
        Template          => 'Blank',
        CustomPrepareCode => $prepare,
        CustomCommitCode  => $commit,
    },
);

1;
