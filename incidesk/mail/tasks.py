"""Background e-mail work. Tasks take ids and call `sending` / `inbound`."""

from django_tasks import task

from incidesk.mail import sending


@task()
def send_outgoing_mail(mail_id: int) -> str:
    """Send one logged e-mail (a sent or claimed one is left alone); failures re-enqueue."""
    return sending.send(mail_id)


@task()
def sweep_pending_mail() -> int:
    """Decide received messages left pending by a delivery that died (enqueued, delayed, with
    every stored message, so no scheduler is needed); returns how many."""
    from incidesk.mail import inbound  # inbound enqueues this task

    return inbound.sweep_pending()
