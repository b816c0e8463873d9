"""stats.json in dump1090-fa's format, a view of the station's statistics: `latest` (the
minute under way), `last1min`, `last5min`, `last15min` (finished minutes added up) and
`total`, each with `start`, `end`, `local` (samples, frames accepted by bits repaired,
signal, noise, peak, strong signals, gain), `messages`, `messages_by_df`, `cpr`,
`tracks`, `cpu` and `max_distance`: every object graphs1090's collector reads."""

from __future__ import annotations

from typing import Any

from adsbwatch.receiver.station.stats import Bucket, StationStats


def period_json(b: Bucket, gain_db: float | None,
                demod: dict[str, int] | None = None) -> dict[str, Any]:
    local: dict[str, Any] = {"samples_processed": b.samples, "samples_dropped": b.dropped}
    if demod:  # the demodulator's own counts, over the run (dump1090-fa's senses)
        local["modes"] = demod.get("screened", 0)  # preambles tried
        local["bad"] = demod.get("rejected", 0)  # of those, no frame
        local["unknown_icao"] = demod.get("unknown_address", 0)
    local["accepted"] = b.accepted.tolist()
    for key, value in (("signal", b.signal_dbfs), ("noise", b.noise_dbfs),
                       ("peak_signal", b.peak_dbfs)):
        if value is not None:
            local[key] = value
    local["strong_signals"] = b.strong
    if gain_db is not None:
        local["gain_db"] = round(gain_db, 1)
    doc: dict[str, Any] = {
        "start": round(b.start, 1), "end": round(b.end, 1), "local": local,
        "messages": b.frames, "messages_by_df": b.by_df.tolist(),
        "cpr": {"surface": b.surface_cpr, "airborne": b.airborne_cpr,
                "global_ok": b.global_positions, "global_bad": 0, "global_range": 0,
                "global_speed": 0, "global_skipped": 0, "local_ok": b.local_positions,
                "local_aircraft_relative": 0, "local_receiver_relative": 0,
                "local_skipped": 0, "local_range": 0, "local_speed": 0,
                "filtered": b.rejected_positions},
        "tracks": {"all": b.tracks, "single_message": b.single_message_tracks},
        "cpu": {"demod": round(1000 * b.demod_cpu_s), "reader": round(1000 * b.reader_cpu_s),
                "background": round(1000 * b.decode_cpu_s)},
    }
    if b.max_distance_m > 0:
        doc["max_distance"] = round(b.max_distance_m)
    return doc


def stats_json(stats: StationStats, gain_db: float | None,
               demod: dict[str, int] | None = None) -> dict[str, Any]:
    current = stats.current()
    doc: dict[str, Any] = {"now": round(stats.now, 1),
                           "latest": period_json(current, gain_db)}
    for name, minutes in (("last1min", 1), ("last5min", 5), ("last15min", 15)):
        doc[name] = period_json(stats.period(minutes), gain_db)
    total = stats.total.copy()
    total.start, total.end = stats.start, max(stats.now, stats.start)
    doc["total"] = period_json(total, gain_db, demod)
    return doc
