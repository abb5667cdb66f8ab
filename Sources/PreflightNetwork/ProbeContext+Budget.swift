extension ProbeContext {
    /// How long one exchange with the peer may wait: the time left until the deadline less
    /// `reserving` (a margin so the failure is reported before the deadline strikes), and never
    /// less than 250 ms.
    public func budget(reserving: Duration = .milliseconds(250)) -> Duration {
        max(.milliseconds(250), deadline.remaining - reserving)
    }
}
