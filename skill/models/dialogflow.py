"""Placeholder: the generator for this platform is being written (see the open issues)."""


def generate(store):
    return {}
