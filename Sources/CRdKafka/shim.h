// librdkafka for Swift, with its mock cluster. rd_kafka_producev is variadic, which Swift cannot
// call, and a few constants are macros with casts that Swift does not import: each gets a small
// wrapper here. rd_kafka_mock_push_request_errors (variadic too) has a non-variadic twin,
// rd_kafka_mock_push_request_errors_array, which Swift calls directly.
#ifndef CLICKSWARM_CRDKAFKA_SHIM_H
#define CLICKSWARM_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// RD_KAFKA_PARTITION_UA: let the partitioner choose (by key).
static inline int32_t cs_rd_kafka_partition_unassigned(void) { return RD_KAFKA_PARTITION_UA; }

/// RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT, optionally | RD_KAFKA_PURGE_F_NON_BLOCKING.
static inline int cs_rd_kafka_purge_all_flags(int non_blocking) {
    return RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | (non_blocking ? RD_KAFKA_PURGE_F_NON_BLOCKING : 0);
}

/// One message through rd_kafka_producev: librdkafka copies key and value before it returns
/// (RD_KAFKA_MSG_F_COPY) and never blocks (no RD_KAFKA_MSG_F_BLOCK: a full queue is
/// RD_KAFKA_RESP_ERR__QUEUE_FULL). On success librdkafka owns `headers` (may be NULL); on failure
/// the caller still does. `timestamp_ms` 0 means now. `opaque` comes back in the delivery report.
static inline rd_kafka_resp_err_t cs_rd_kafka_produce(rd_kafka_t *rk, const char *topic, int32_t partition,
                                                      const void *key, size_t key_size, const void *value,
                                                      size_t value_size, int64_t timestamp_ms,
                                                      rd_kafka_headers_t *headers, void *opaque) {
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_size),
                             RD_KAFKA_V_VALUE((void *)value, value_size), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                             RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}

#endif
