import PreflightCore

/// How a ping's report says that it met a bastion's host key for the first time and got through: the
/// `ssh_handshake` step's detail names the key, and `ssh_auth` passed. A control plane reads it from the
/// report of a ping an agent ran, and pins the key for the saved tunnel as it would have pinned it itself.
public enum SSHHostKeyLearned {
    private static let prefix = "host key "
    private static let firstUse = " (first use: pinned now)"

    /// The `ssh_handshake` detail for a key seen for the first time.
    static func detail(firstUse key: String) -> String { prefix + key + firstUse }

    /// The host key `report` met on first use (`SHA256:` and 43 base64 characters), when the bastion also
    /// accepted our key; nil otherwise.
    public static func fingerprint(in report: PingReport) -> String? {
        guard
            let handshake = report.steps.first(where: { $0.name == StepName.sshHandshake.rawValue }),
            handshake.status == .passed, let detail = handshake.detail,
            detail.hasPrefix(prefix), detail.hasSuffix(firstUse),
            report.steps.contains(where: { $0.name == StepName.sshAuth.rawValue && $0.status == .passed })
        else { return nil }
        let key = String(detail.dropFirst(prefix.count).dropLast(firstUse.count))
        guard SSHFingerprint.isWellFormed(key) else { return nil }
        return key
    }
}
