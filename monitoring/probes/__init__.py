"""Network probes of client hosts: address checks, TLS chains and HTTP timings."""
