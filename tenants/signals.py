"""What other apps may hear about tenants without tenants importing them.

`tenants_changed` is sent (inside the writing transaction, before rows are deleted) with
`tenant_ids` whenever a change can alter what a tenant's API keys may do. The apikeys app
connects its one cache-invalidation entry point to it (apikeys.apps).
"""

from django.dispatch import Signal

tenants_changed = Signal()  # kwargs: tenant_ids: list[int]
