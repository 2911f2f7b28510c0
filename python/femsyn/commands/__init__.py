"""One click command per module; `femsyn.cli` assembles them into the `femsyn` group."""
