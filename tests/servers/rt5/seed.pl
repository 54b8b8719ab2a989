# RT initialdata for the mentiondesk tests, loaded by start.sh with
#   rt-setup-database-5 --action insert --datafile seed.pl
# (REST2 in RT 5.0.3 cannot create queues' custom fields, hence this file.)

@Queues = (
    {
        Name              => 'mentiondesk',
        Description       => 'Tickets created by mentiondesk',
        CorrespondAddress => '',
        CommentAddress    => '',
    },
);

@CustomFields = (
    {
        Name        => 'MentionId',
        Type        => 'FreeformSingle',
        LookupType  => 'RT::Queue-RT::Ticket',
        Queue       => 'mentiondesk',    # applied to this queue only
        Description => 'Source mention id (idempotency key)',
    },
);

# People for the replies tests (docs/helpdesk-replies.md): an agent who is not our API user
# (root), and a requestor who may answer through the web (unprivileged).
@Users = (
    {
        Name         => 'agent',
        Password     => 'agent-password',
        EmailAddress => 'agent@mentiondesk.test',
        RealName     => 'Agent Alice',
        Privileged   => 1,
    },
    {
        Name         => 'customer',
        Password     => 'customer-password',
        EmailAddress => 'customer@mentiondesk.invalid',
        RealName     => 'Ivan P.',
        Privileged   => 0,
    },
);

@ACL = (
    {
        UserId => 'agent',
        Queue  => 'mentiondesk',
        Right  => [qw(SeeQueue ShowTicket ReplyToTicket CommentOnTicket ModifyTicket ShowTicketComments)],
    },
    { UserId => 'customer', Queue => 'mentiondesk', Right => [qw(SeeQueue ShowTicket ReplyToTicket)] },
);

# The scrip that reports status changes back (docs/helpdesks.md, "Request Tracker"): on every
# status change of a ticket in the queue, POST {"ticket_id", "status"} to mentiondesk's
# /helpdesk-events/request_tracker with the brand's events token. URL and token come from RT's
# config ($MentiondeskEventsURL, $MentiondeskEventsToken; start.sh sets them from
# MENTIONDESK_EVENTS_URL and MENTIONDESK_EVENTS_TOKEN); without them it does nothing.
my $report_status = <<'PERL';
my $url   = RT->Config->Get('MentiondeskEventsURL')   or return 1;
my $token = RT->Config->Get('MentiondeskEventsToken') or return 1;
require LWP::UserAgent;
require JSON;
my $ticket   = $self->TicketObj;
my $response = LWP::UserAgent->new( timeout => 5, agent => 'rt-mentiondesk/1' )->post(
    $url,
    'Content-Type'        => 'application/json',
    'X-Mentiondesk-Token' => $token,
    Content => JSON::encode_json( { ticket_id => '' . $ticket->id, status => $ticket->Status } ),
);
RT->Logger->warning( 'mentiondesk: status of #' . $ticket->id . ' not delivered: ' . $response->status_line )
    unless $response->is_success;
return 1;
PERL

@Scrips = (
    {
        Description       => 'On status change, tell mentiondesk',
        Queue             => 'mentiondesk',
        ScripCondition    => 'On Status Change',
        ScripAction       => 'User Defined',
        Template          => 'Blank',
        CustomPrepareCode => 'return 1;',
        CustomCommitCode  => $report_status,
    },
);

# When start.sh sets RT5_TOKEN_FILE, create an auth token for root and write
# "Authorization: token <this>" material there.
@Final = (
    sub {
        my $file = $ENV{RT5_TOKEN_FILE} or return;
        my $root = RT::User->new( RT->SystemUser );
        $root->Load('root');
        die "no root user" unless $root->id;
        my $tok = RT::AuthToken->new( RT->SystemUser );
        my ( $id, $msg, $token ) = $tok->Create( Owner => $root->id, Description => 'mentiondesk tests' );
        die "token: $msg" unless $id;
        open my $fh, '>', $file or die "$file: $!";
        print $fh "$token\n";
        close $fh;
    },
);

1;
