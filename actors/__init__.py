"""Stream consumers (writer, cost; later security), their shared consumer base and the pools.

Logic modules (`consumer`, `writer`, `cost`, `pricing`, `usage`, `autoscale`, `backlog`) do not import
Ray; the actor wrappers (`consumer_actor`, `pool`, `metrics`) do.
"""
