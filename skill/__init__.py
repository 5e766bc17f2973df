"""Voice revision assistant for GCSE/iGCSE history.

The public surface: `load_store` (content), `Resolver`, `Dialogue`/`Turn`/`Reply`, and `create_app`
(Flask, imported lazily so the core never needs a web framework).
"""
from .content import ContentError, ContentStore, load_store
from .dialogue import Dialogue, Reply, Turn
from .resolver import Resolution, Resolver

__all__ = ["ContentError", "ContentStore", "Dialogue", "Reply", "Resolution", "Resolver", "Turn",
           "load_store", "create_app", "lambda_handler"]


def create_app(*args, **kwargs):
    from .web import create_app as _create_app
    return _create_app(*args, **kwargs)


def lambda_handler(event, context):
    from .alexa import lambda_handler as _handler
    return _handler(event, context)
