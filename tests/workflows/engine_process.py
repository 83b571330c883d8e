"""The engine as a separate process (for the restart test): one reconcile run over every case with work."""

from workflows.flows import reconcile

if __name__ == "__main__":
    reconcile()
