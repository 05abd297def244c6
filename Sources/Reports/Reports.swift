/// Run figures and their renderers: the recorder (per-loop shards of HDR histograms, counters
/// and a per-second series, merged exactly), the versioned run report, and its renderers.
public enum Reports {}
