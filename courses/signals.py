from django.dispatch import Signal

# Sent after commit when a person has completed every lesson of a module.
# Arguments: user_id, module_id.
module_completed = Signal()
