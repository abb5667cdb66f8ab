import Testing

@testable import PreflightStore

@Suite("StoreLocation.parse")
struct StoreLocationTests {
    @Test(
        "accepted forms",
        arguments: [
            ("sqlite:/var/lib/preflight/store.sqlite", StoreLocation.sqlite(path: "/var/lib/preflight/store.sqlite")),
            ("sqlite:relative/store.db", .sqlite(path: "relative/store.db")),
            ("sqlite:store", .sqlite(path: "store")),
            ("SQLite:/x/y.sqlite", .sqlite(path: "/x/y.sqlite")),
            ("sqlite::memory:", .sqlite(path: ":memory:")),
            ("./preflight.sqlite", .sqlite(path: "./preflight.sqlite")),
            ("/data/preflight.db", .sqlite(path: "/data/preflight.db")),
            ("data.sqlite3", .sqlite(path: "data.sqlite3")),
            ("  ./padded.sqlite \n", .sqlite(path: "./padded.sqlite")),
            (
                "postgres://user:pass@localhost:5432/preflight?sslmode=disable",
                .postgres(url: "postgres://user:pass@localhost:5432/preflight?sslmode=disable")
            ),
            ("postgresql://user@db.internal/preflight", .postgres(url: "postgresql://user@db.internal/preflight")),
            (
                "postgres://user:p%40ss@[::1]:6543/preflight?sslmode=verify-full",
                .postgres(url: "postgres://user:p%40ss@[::1]:6543/preflight?sslmode=verify-full")
            ),
        ])
    func accepted(_ text: String, _ expected: StoreLocation) throws {
        #expect(try StoreLocation.parse(text) == expected)
    }

    @Test("the default is ./preflight.sqlite")
    func defaultLocation() {
        #expect(StoreLocation.default == .sqlite(path: "./preflight.sqlite"))
    }

    @Test(
        "rejected forms name the problem",
        arguments: [
            ("", "empty"),
            ("   ", "empty"),
            ("sqlite:", "no path"),
            ("sqlite://tmp/x.sqlite", "sqlite://"),
            ("mysql://root@host/db", "Unsupported store URL scheme \"mysql\""),
            ("./preflight", "Unrecognised store location \"./preflight\""),
            ("postgres://user@/db", "no host"),
            ("postgres://host/db", "no user name"),
            ("postgres://user@host", "no database"),
            ("postgres://user@host/", "no database"),
            ("postgres://user@host/a/b", "must not contain '/'"),
            ("postgres://user@host:0/db", "port"),
            ("postgres://user@host:70000/db", "port"),
            ("postgres://user@host:abc/db", "could not be parsed"),
            (
                "postgres://user@host/db?sslmode=sometimes",
                "unsupported sslmode value; use one of disable, allow, prefer, require, verify-ca, verify-full"
            ),
            ("postgres://user@host/db?sslmode=verify-ca&foo=1", "unsupported query parameter; only sslmode"),
            ("./data/preflight", "Unrecognised store location \"./data/preflight\""),
            ("host/db?password=x", "Unrecognised store location. Use"),
            ("postgres://user@host/db?connect_timeout=3", "unsupported query parameter \"connect_timeout\""),
        ])
    func rejected(_ text: String, _ fragment: String) {
        let error = #expect(throws: StoreError.self) { try StoreLocation.parse(text) }
        #expect(error?.kind == .invalidLocation)
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "no error")")
    }

    static let password = "Sup3rS3cretPw"

    @Test(
        "a password in a rejected value is never echoed",
        arguments: [
            "postgres://admin:\(password)@/db",
            "postgres://admin:\(password)@host:99999/db",
            "postgres://admin:\(password)@host:port/db",
            "postgres://admin:\(password)@host",
            "postgres://admin:\(password)@host/db?sslmode=bogus",
            "postgres://admin:\(password)@host/db?password=\(password)",
            "postgres://admin:\(password)@host/db?\(password)=1",
            "postgres://admin:\(password)@h ost/db",
            "postgres://admin:\(password)@host/a/b",
            "postgress://admin:\(password)@host/db",
            "mysql://admin:\(password)@host/db",
            "postgres://admin:\(password)@host/db?sslmode=\(password)",
            "host/db?password=\(password)&x=1",
            "\(password)@host",
            "admin:\(password)@host/db",
            "host/db?password=\(password)",
        ])
    func passwordNotEchoed(_ text: String) {
        let error = #expect(throws: StoreError.self) { try StoreLocation.parse(text) }
        #expect(error?.message.contains(Self.password) == false, "\(error?.message ?? "")")
        #expect(error?.description.contains(Self.password) == false)
        #expect(error.map { String(reflecting: $0) }?.contains(Self.password) == false)
    }

    @Test("printing a postgres location hides its password")
    func descriptionRedacts() throws {
        let location = try StoreLocation.parse(
            "postgres://admin:\(Self.password)@db.internal:5433/preflight?sslmode=require")
        for shown in [location.description, String(describing: location), String(reflecting: location), "\(location)"] {
            #expect(!shown.contains(Self.password))
            #expect(shown == "postgres://admin:***@db.internal:5433/preflight?sslmode=require")
        }
        #expect(StoreLocation.sqlite(path: "/x.sqlite").description == "sqlite:/x.sqlite")
    }

    @Test("postgres URL components are decoded")
    func postgresComponents() throws {
        let url = try PostgresURL(parsing: "postgresql://app%20user:p%40ss%3Aw0rd@[::1]/my_db")
        #expect(url.host == "::1")
        #expect(url.port == 5432)
        #expect(url.username == "app user")
        #expect(url.password == "p@ss:w0rd")
        #expect(url.database == "my_db")
        #expect(url.sslMode == .prefer)
        #expect(url.redacted == "postgres://app user:***@[::1]:5432/my_db?sslmode=prefer")

        let noPassword = try PostgresURL(parsing: "postgres://app@db:6000/x?sslmode=verify-ca")
        #expect(noPassword.password == nil)
        #expect(noPassword.port == 6000)
        #expect(noPassword.sslMode == .verifyCA)
        #expect(noPassword.redacted == "postgres://app@db:6000/x?sslmode=verify-ca")
    }

    @Test("every sslmode is accepted", arguments: PostgresURL.SSLMode.allCases)
    func sslModes(_ mode: PostgresURL.SSLMode) throws {
        #expect(try PostgresURL(parsing: "postgres://u@h/d?sslmode=\(mode.rawValue)").sslMode == mode)
    }
}
