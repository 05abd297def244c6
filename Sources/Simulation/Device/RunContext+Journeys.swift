/// When the app's journeys stop.
extension RunContext {
    /// True once the journeys have stopped (the drain has begun).
    func journeysOver(_ seconds: Double) -> Bool { seconds >= scenario.duration }
}
