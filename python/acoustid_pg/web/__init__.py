"""The AcoustID ``/v2`` web service (aiohttp): what Picard, beets and pyacoustid speak.

Modules, one job each: ``body`` reads a request's parameters, ``params`` checks them,
``errors`` holds AcoustID's error codes, ``render`` writes json/jsonp/xml, ``client_ip``
decides who is asking, ``ratelimit`` is the Redis rate limiter, ``lookup_stats`` counts
lookups in Redis (``acoustid_pg.lookup_counts`` flushes them into PostgreSQL), ``settings``
reads the config file, and ``app`` puts them together. Nothing here writes SQL: the driver does.
"""
