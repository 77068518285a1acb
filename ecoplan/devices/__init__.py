"""HJ 212 (HJ/T 212-2005, HJ 212-2017, HJ 212-2025) data transmission: codec, gateway, simulator.

- :mod:`.crc` — appendix-A CRC and the MODBUS variants seen in the field;
- :mod:`.codec` — :func:`~.codec.decode` (frame, data segment, CP) that never raises;
- :mod:`.encode` — replies 9011–9014 and platform commands;
- :mod:`.framer` — stream reassembly of packets split over TCP segments;
- :mod:`.factors` — factor-code tables (``data/``), units per device type, canonical names;
- :mod:`.gateway` — the asyncio TCP server; :mod:`.simulator` — simulated data loggers.

See docs/hj212.md.
"""
