"""Background e-mail work. Tasks take ids and call `sending` / `imap`."""

from django_tasks import task

from incidesk.mail import sending


@task()
def send_outgoing_mail(mail_id: int) -> str:
    """Send one logged e-mail (a sent or claimed one is left alone); failures re-enqueue."""
    return sending.send(mail_id)
