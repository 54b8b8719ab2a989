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
