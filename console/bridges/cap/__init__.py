"""CAP 1.2 (OASIS Common Alerting Protocol; China's GB/T 35965.1 profile) in: a hardened parse, the
official schema, the mapping of each `<info>` to an incident of source `upper_level`, and the sources
(a watched folder, an Atom/RSS feed). `docs/integration.md` says how a platform uses it."""
