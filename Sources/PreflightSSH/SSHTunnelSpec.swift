import NIOSSH

/// Everything needed to go through one bastion.
public struct SSHTunnelSpec: Sendable {
    /// The bastion's host name or address and port.
    public var host: String
    public var port: Int
    /// The login user on the bastion.
    public var username: String
    /// Our private key (never leaves the service).
    public var privateKey: NIOSSHPrivateKey
    /// Our public key as it must appear in `authorized_keys` (for "add this key" messages).
    public var authorizedKey: String
    /// The bastion host key fingerprint pinned on first use (`SHA256:...`); nil until first use.
    public var pinnedHostKey: String?
    /// How the tunnel is named in messages and hints ("tunnel 3f2b... (bastion-prod)").
    public var label: String
    /// How a user accepts a changed host key, for the hint (e.g. the API call).
    public var acceptHostKeyHint: String

    public init(
        host: String, port: Int, username: String, privateKey: NIOSSHPrivateKey, authorizedKey: String,
        pinnedHostKey: String?, label: String, acceptHostKeyHint: String
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.privateKey = privateKey
        self.authorizedKey = authorizedKey
        self.pinnedHostKey = pinnedHostKey
        self.label = label
        self.acceptHostKeyHint = acceptHostKeyHint
    }
}
