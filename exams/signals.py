from django.dispatch import Signal

# Sent after commit when an attempt has been graded.
# Arguments: attempt_id, user_id, exam_id, passed.
attempt_graded = Signal()
