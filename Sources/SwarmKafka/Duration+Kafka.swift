extension Duration {
    /// This duration in whole milliseconds, for a librdkafka timeout argument or `*.ms` property.
    ///
    /// Rounded up, so that a positive duration never becomes 0 (which librdkafka reads as "do not
    /// wait" for a timeout and "no limit" for `message.timeout.ms`); negative becomes 0; clamped
    /// to `Int32.max` (about 24.8 days).
    var kafkaMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        guard seconds > 0 || (seconds == 0 && attoseconds > 0) else { return 0 }
        let milliseconds = Double(seconds) * 1000 + (Double(attoseconds) / 1e15).rounded(.up)
        return milliseconds >= Double(Int32.max) ? Int32.max : Int32(milliseconds)
    }

    /// A short text for messages: "500 ms", "2 s", "1.5 s".
    var kafkaText: String {
        let milliseconds = kafkaMilliseconds
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return "\(Double(milliseconds) / 1000) s"
    }
}
