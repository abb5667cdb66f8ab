import ArgumentParser
import Foundation
import PreflightCore
import PreflightSSH

/// An ad-hoc bastion for a person at a terminal: `--ssh-host --ssh-port --ssh-user --ssh-key FILE`.
struct SSHOptions: ParsableArguments {
    @Option(name: .customLong("ssh-host"), help: "Reach the database through this SSH bastion.")
    var host: String?

    @Option(name: .customLong("ssh-port"), help: "The bastion's SSH port.")
    var port = 22

    @Option(name: .customLong("ssh-user"), help: "The login user on the bastion.")
    var user: String?

    @Option(name: .customLong("ssh-key"), help: "An OpenSSH private key file (Ed25519 or ECDSA, without passphrase).")
    var keyFile: String?

    @Option(
        name: .customLong("ssh-host-key"),
        help: "The bastion's expected host key fingerprint (SHA256:...); without it any key is accepted and shown.")
    var hostKey: String?

    /// The opener, or nil when no bastion was asked for; with `sessions`, pings share authenticated
    /// connections as the service does. Throws `InvalidConfig` for incomplete or unusable options.
    func opener(sessions: SSHSessionPool? = nil) throws(InvalidConfig) -> SSHTunnelOpener? {
        guard let host else {
            if user != nil || keyFile != nil { throw InvalidConfig("--ssh-user and --ssh-key need --ssh-host") }
            return nil
        }
        guard (1...65535).contains(port) else { throw InvalidConfig("--ssh-port must be from 1 to 65535") }
        guard let user, !user.isEmpty else { throw InvalidConfig("--ssh-host needs --ssh-user") }
        guard let keyFile else { throw InvalidConfig("--ssh-host needs --ssh-key FILE (an OpenSSH private key)") }
        guard let data = FileManager.default.contents(atPath: keyFile) else {
            throw InvalidConfig("cannot read the SSH key file \(keyFile)")
        }
        let bastion = try SharedConfig.validateHost(host, key: "--ssh-host")
        let spec: SSHTunnelSpec
        do throws(SSHKeyFileError) {
            spec = SSHTunnelSpec(
                host: bastion, port: port, username: user,
                privateKey: try OpenSSHPrivateKeyFile.parse(String(decoding: data, as: UTF8.self)),
                authorizedKey: "the public key of \(keyFile) (ssh-keygen -y -f \(keyFile))",
                pinnedHostKey: hostKey, label: "\(user)@\(bastion):\(port)",
                acceptHostKeyHint:
                    "pass the new fingerprint with --ssh-host-key after checking it on the bastion (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)"
            )
        } catch {
            throw InvalidConfig("\(keyFile): \(error.message)")
        }
        return SSHTunnelOpener(spec: spec, sessions: sessions)
    }
}
