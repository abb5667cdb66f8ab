import Foundation
import PreflightTestSupport
import Testing

/// `preflight ping` through the real binary: exit codes as pg_isready, errors in the user's words,
/// `--json` for scripts.
@Suite("preflight ping, as a user runs it")
struct CLIPingTests {
    @Test func versionIsPrinted() throws {
        let result = try CLI.run(["--version"])
        #expect(result.code == 0)
        #expect(result.stdout.hasPrefix("preflight "), "\(result.stdout)")
    }

    @Test func aMissingKeyIsSaidInFlagWordsAndExits3() throws {
        let result = try CLI.run(["ping", "--type", "postgresql", "--set", "user=u"])
        #expect(result.code == 3)
        #expect(result.stderr.contains("--set host=... is required"), "\(result.stderr)")
        #expect(!result.stderr.contains("sharedConfig"), "\(result.stderr)")
    }

    @Test func invalidInputWithJSONIsAJSONErrorOnStandardOutput() throws {
        let result = try CLI.run(["ping", "--type", "postgresql", "--set", "user=u", "--json"])
        #expect(result.code == 3)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String]
        #expect(object?["error"]?.contains("--set host=... is required") == true, "\(result.stdout)")
    }

    @Test func aMistypedTypeSuggestsTheNearest() throws {
        let result = try CLI.run(["ping", "--type", "postgres", "--set", "host=h"])
        #expect(result.code == 3)
        #expect(result.stderr.contains("did you mean postgresql?"), "\(result.stderr)")
    }

    @Test func aMistypedRoleIsRefusedNotTakenAsADestination() throws {
        let result = try CLI.run([
            "ping", "--type", "postgresql", "--set", "host=h", "--set", "user=u", "--role", "sourc",
        ])
        #expect(result.code == 3)
        #expect(result.stderr.contains("--role must be source or destination"), "\(result.stderr)")
    }

    @Test func payloadAndPasswordCannotBothComeFromStandardInput() throws {
        let result = try CLI.run(["ping", "--payload", "-", "--password-stdin"], stdin: "{}")
        #expect(result.code == 3)
        #expect(result.stderr.contains("both read standard input"), "\(result.stderr)")
    }

    /// An Oracle listener that accepts the service while the database behind it never answers the
    /// login: `timeout` in `auth`, exit 2, the password never sent in the clear (Oracle's login sends it
    /// only encrypted, and this peer never gets that far).
    @Test func anOracleDatabaseThatNeverAnswersTheLoginExits2() async throws {
        let listener = try await OracleAcceptingListener()
        defer { Task { await listener.shutdown() } }
        let result = try CLI.run([
            "ping", "--type", "oracle", "--set", "host=127.0.0.1", "--set", "port=\(listener.port)", "--set", "user=u",
            "--set", "password=planted-oracle-secret", "--database", "FREEPDB1", "--timeout", "2",
        ])
        #expect(result.code == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("timeout"), "\(result.stdout)")
        #expect(!result.stdout.contains("planted-oracle-secret") && !result.stderr.contains("planted-oracle-secret"))
    }

    /// `api` dials nothing: it passes, and the verdict says there was nothing to dial rather than "works".
    @Test func anAPISourcePassesSayingThereIsNothingToDial() throws {
        let result = try CLI.run(["ping", "--type", "api"])
        #expect(result.code == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("OK: api has nothing to dial from here"), "\(result.stdout)")
        #expect(!result.stdout.contains("works"), "\(result.stdout)")
        let refused = try CLI.run(["ping", "--type", "api", "--set", "host=events.example.com"])
        #expect(refused.code == 3, "\(refused.stdout)")
        #expect(refused.stderr.contains("--set host is not used by api"), "\(refused.stderr)")
    }

    @Test func aClosedPortExits2() throws {
        let result = try CLI.run([
            "ping", "--type", "postgresql", "--set", "host=127.0.0.1", "--set", "port=\(closedPort())", "--set",
            "user=u", "--timeout", "5",
        ])
        #expect(result.code == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("FAILED [refused"), "\(result.stdout)")
        // Steps are printed as they end (plain lines off a terminal), once, before the verdict.
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("FAIL connect") }.count == 1, "\(result.stdout)")
        #expect(lines.first?.hasPrefix("skip dns") == true, "\(result.stdout)")
        #expect(!result.stdout.contains("\u{1B}["), "no terminal control codes off a terminal")
    }

    @Test func againstTheTestPostgreSQL() throws {
        guard let server = TestEnvironment.postgres() else {
            #expect(!TestEnvironment.requireIntegration, "PREFLIGHT_TEST_PG_* not set")
            return
        }
        let base = [
            "ping", "--type", "postgresql", "--set", "host=\(server.host)", "--set", "port=\(server.port)",
            "--set", "sslMode=disable", "--set", "user=\(server.scramUser)", "--database", server.database,
            "--password-stdin",
        ]
        let works = try CLI.run(base, stdin: server.scramPassword + "\n")
        #expect(works.code == 0, "\(works.stdout)\(works.stderr)")
        #expect(works.stdout.contains("OK: postgresql works"), "\(works.stdout)")
        #expect(!works.stdout.contains(server.scramPassword))

        let wrong = try CLI.run(base, stdin: "not-the-password\n")
        #expect(wrong.code == 1, "\(wrong.stdout)")
        #expect(wrong.stdout.contains("FAILED [auth"), "\(wrong.stdout)")

        let directory = try CLI.scratchDirectory()
        let file = directory.appendingPathComponent("connector.json")
        let payload: [String: Any] = [
            "type": "postgresql", "defaultDatabase": server.database,
            "sharedConfig": [
                "host": server.host, "port": server.port, "user": server.scramUser, "password": server.scramPassword,
                "sslMode": "disable",
            ],
        ]
        try JSONSerialization.data(withJSONObject: payload).write(to: file)
        let json = try CLI.run(["ping", "--payload", file.path, "--json"])
        #expect(json.code == 0, "\(json.stdout)\(json.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(report?["ok"] as? Bool == true)
        #expect(!json.stdout.contains(server.scramPassword))
    }
}

/// `--ssh-host-key` through the real binary and the test bastion: the pinned key lets the ping through,
/// another key stops it at the bastion with both fingerprints.
@Suite("preflight ping through a bastion, as a user runs it")
struct CLIBastionTests {
    @Test func thePinnedHostKeyDecides() throws {
        guard let server = TestEnvironment.postgres(),
            let sshHost = TestEnvironment.value("PREFLIGHT_TEST_SSH_HOST"),
            let sshPort = TestEnvironment.value("PREFLIGHT_TEST_SSH_PORT"),
            let sshUser = TestEnvironment.value("PREFLIGHT_TEST_SSH_USER"),
            let keyFile = TestEnvironment.value("PREFLIGHT_TEST_SSH_KEY_FILE"),
            let fingerprint = TestEnvironment.value("PREFLIGHT_TEST_SSH_HOST_FINGERPRINT")
        else {
            #expect(!TestEnvironment.requireIntegration, "PREFLIGHT_TEST_PG_* / PREFLIGHT_TEST_SSH_* not set")
            return
        }
        let base = [
            "ping", "--type", "postgresql", "--set", "host=\(server.host)", "--set", "port=\(server.port)",
            "--set", "sslMode=disable", "--set", "user=\(server.scramUser)", "--database", server.database,
            "--password-stdin", "--ssh-host", sshHost, "--ssh-port", sshPort, "--ssh-user", sshUser, "--ssh-key",
            keyFile,
        ]
        let pinned = try CLI.run(base + ["--ssh-host-key", fingerprint], stdin: server.scramPassword + "\n")
        #expect(pinned.code == 0, "\(pinned.stdout)\(pinned.stderr)")
        let wrong = "SHA256:" + String(repeating: "A", count: 43)
        let changed = try CLI.run(base + ["--ssh-host-key", wrong], stdin: server.scramPassword + "\n")
        #expect(changed.code != 0)
        #expect(changed.stdout.contains("FAILED [ssh"), "\(changed.stdout)")
        #expect(changed.stdout.contains(fingerprint), "the bastion's real fingerprint is not shown: \(changed.stdout)")
    }
}
