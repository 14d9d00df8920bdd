"""Stream consumers (writer; later security and cost), their shared consumer base and the pools.

Logic modules (`consumer`, `writer`) do not import Ray; the actor wrappers (`writer_actor`, `pool`) do.
"""
