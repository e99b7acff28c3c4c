"""Operating the desk: health and readiness checks, metrics, the ops HTTP endpoint, and the
deployment's environment example."""
