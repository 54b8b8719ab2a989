"""mentiondesk: the Chalice app. It only wires Blueprints; everything else is in functions/."""

from chalice.app import Chalice

from functions.api import agency, health_page, helpdesk_events, read, replies, verdicts, webhooks
from functions.jobs import digest, escalation, gaps, ingest, polls, snapshots, tickets, training
from functions.jobs import replies as reply_jobs

app = Chalice(app_name="mentiondesk")
app.register_blueprint(webhooks.bp)
app.register_blueprint(read.bp)
app.register_blueprint(health_page.bp)
app.register_blueprint(agency.bp)
app.register_blueprint(helpdesk_events.bp)
app.register_blueprint(verdicts.bp)
app.register_blueprint(replies.bp)
app.register_blueprint(ingest.bp)
app.register_blueprint(tickets.bp)
app.register_blueprint(escalation.bp)
app.register_blueprint(digest.bp)
app.register_blueprint(polls.bp)
app.register_blueprint(gaps.bp)
app.register_blueprint(snapshots.bp)
app.register_blueprint(training.bp)
app.register_blueprint(reply_jobs.bp)
