import PreflightCore
import PreflightMongo
import PreflightNetwork
import Testing

@Suite struct ConnectionStringTests {
    @Test func severalHostsWithOptions() throws {
        let parsed = try MongoConnectionString.parse(
            "mongodb://app%40corp:p%3Ass%2Fw@db1.example.com:27018,DB2.example.com,[::1]:27019/orders?replicaSet=rs0&authSource=admin&tls=true&directConnection=false&authMechanism=scram-sha-256&readPreference=secondaryPreferred&appName=x"
        )
        #expect(!parsed.isSRV)
        #expect(
            parsed.hosts == [
                MongoHostAddress(host: "db1.example.com", port: 27018),
                MongoHostAddress(host: "db2.example.com", port: 27017),
                MongoHostAddress(host: "::1", port: 27019),
            ])
        #expect(parsed.username == "app@corp")
        #expect(parsed.password == "p:ss/w")
        #expect(parsed.database == "orders")
        #expect(parsed.replicaSet == "rs0")
        #expect(parsed.authSource == "admin")
        #expect(parsed.tls == true)
        #expect(parsed.directConnection == false)
        #expect(parsed.authMechanism == "SCRAM-SHA-256")
        #expect(parsed.readPreference == "secondaryPreferred")
        #expect(parsed.unknownOptions.isEmpty)
        #expect(MongoHostAddress(host: "::1", port: 27019).description == "[::1]:27019")
    }

    @Test func srvString() throws {
        let parsed = try MongoConnectionString.parse(
            "mongodb+srv://u:p@cluster0.ab1cd.mongodb.net/?retryWrites=true&w=majority")
        #expect(parsed.isSRV)
        #expect(parsed.srvHost == "cluster0.ab1cd.mongodb.net")
        #expect(parsed.hosts.isEmpty)
        #expect(parsed.tls == nil)
    }

    @Test func bareHostsGetTheDefaultPort() throws {
        let parsed = try MongoConnectionString.parse("db.example.com", defaultPort: 27999)
        #expect(parsed.hosts == [MongoHostAddress(host: "db.example.com", port: 27999)])
        let list = try MongoConnectionString.parse("a.example.com:1,b.example.com")
        #expect(list.hosts.map(\.description) == ["a.example.com:1", "b.example.com:27017"])
    }

    @Test func sslIsASynonymOfTLSAndUnknownOptionsAreListed() throws {
        let parsed = try MongoConnectionString.parse("mongodb://h/?ssl=true&fancyOption=1&tlsCAFile=%2Fetc%2Fca.pem")
        #expect(parsed.tls == true)
        #expect(parsed.unknownOptions == ["fancyOption"])
        #expect(parsed.tlsCAFile == "/etc/ca.pem")
    }

    @Test func documentDBsExampleStringParses() throws {
        let parsed = try MongoConnectionString.parse(
            "mongodb://user:pw@docdb-2024.cluster-abc.us-east-1.docdb.amazonaws.com:27017/?tls=true&tlsCAFile=global-bundle.pem&replicaSet=rs0&readPreference=secondaryPreferred&retryWrites=false"
        )
        #expect(parsed.replicaSet == "rs0")
        #expect(parsed.tlsCAFile == "global-bundle.pem")
    }

    /// Bad strings: each must be refused with a message containing the fragment, and never the password.
    @Test(arguments: [
        ("postgres://h", "must start with mongodb://"),
        ("mongodb://", "names no host"),
        ("mongodb+srv://", "names no host"),
        ("mongodb://h:0", "from 1 to 65535"),
        ("mongodb://h:99999", "from 1 to 65535"),
        ("mongodb://h:abc", "from 1 to 65535"),
        ("mongodb://a,,b", "empty host"),
        ("mongodb://::1", "must be in brackets"),
        ("mongodb://[::1", "no closing"),
        ("mongodb://bad_host!:27017", "not a valid host name"),
        ("mongodb://%2Ftmp%2Fmongodb-27017.sock", "Unix domain socket"),
        ("mongodb+srv://a.example.com:27017", "without a port"),
        ("mongodb+srv://a.example.com,b.example.com", "exactly one host"),
        ("mongodb+srv://10.0.0.1", "not an IP address"),
        ("mongodb://h/?tls=true&ssl=false", "disagree"),
        ("mongodb://h/?tls=yes", "must be true or false"),
        ("mongodb://h/?connectTimeoutMS=-1", "non-negative integer"),
        ("mongodb://h/?authMechanism=SCRAM-SHA-512", "not a MongoDB mechanism"),
        ("mongodb://h/?readPreference=fastest", "readPreference"),
        ("mongodb://h/?authSource=", "authSource is empty"),
        ("mongodb://h/?tlsInsecure=true&tlsAllowInvalidHostnames=true", "tlsInsecure"),
        ("mongodb://h/?tls=false&tlsInsecure=true", "turns TLS off"),
        ("mongodb://a,b/?directConnection=true", "exactly one host"),
        ("mongodb+srv://c.example.com/?directConnection=true", "cannot be used with mongodb+srv"),
        ("mongodb://a,b/?loadBalanced=true", "exactly one host"),
        ("mongodb://a/?loadBalanced=true&replicaSet=rs0", "cannot be combined"),
        ("mongodb://a/?srvMaxHosts=2", "only apply to mongodb+srv"),
        ("mongodb://h/my.db", "does not allow"),
        ("mongodb://h/?novalue", "has no '=value'"),
        ("mongodb://@h", "no user name"),
        ("mongodb://:Secret-Pass-1@h", "no user name"),
        ("mongodb://u:Secret%ZZPass@h", "percent"),
        ("mongodb://u:Secret/Pass-1@h", "percent-encoded"),
        ("mongodb://u:Secret?Pass-1@h", "percent-encoded"),
        ("mongodb://u:Secret-Pass-1", "1 to 65535"),
        ("mongodb://u:pw@h#frag", "no fragment"),
        ("user:Secret-Pass-1@h", "without its scheme"),
    ])
    func badStringsAreRefused(_ text: String, _ fragment: String) {
        do {
            let parsed = try MongoConnectionString.parse(text)
            Issue.record("accepted \(text): \(parsed)")
        } catch {
            #expect(error.message.contains(fragment), "\(text) -> \(error.message)")
            #expect(!error.message.contains("Secret"), "\(text) echoed its password: \(error.message)")
        }
    }

    @Test func percentDecodingIsStrictAndPlusIsNotSpace() throws {
        let parsed = try MongoConnectionString.parse("mongodb://a+b:c%25d@h")
        #expect(parsed.username == "a+b")
        #expect(parsed.password == "c%d")
    }

    @Test func hostAddressesParseAsServersWriteThem() {
        #expect(MongoHostAddress.parse("db:27017") == MongoHostAddress(host: "db", port: 27017))
        #expect(MongoHostAddress.parse("[::1]:1") == MongoHostAddress(host: "::1", port: 1))
        #expect(MongoHostAddress.parse("DB.Example.com") == MongoHostAddress(host: "db.example.com", port: 27017))
        #expect(MongoHostAddress.parse("db:x") == nil)
    }
}

/// The factory's validation: connection string plus sharedConfig keys.
@Suite struct MongoFactoryTests {
    func make(_ config: [String: String], type: ConnectorType = .mongodb, database: String? = nil) throws(InvalidConfig)
        -> any Probe
    {
        try MongoProbeFactory().makeProbe(
            for: ConnectorPayload(type: type, sharedConfig: SharedConfig(strings: config), defaultDatabase: database))
    }

    @Test func typesAreMongoAndDocumentDB() {
        #expect(MongoProbeFactory().types == [.mongodb, .documentdb])
    }

    @Test func hostIsRequired() {
        #expect(throws: InvalidConfig.self) { try make([:]) }
    }

    @Test func aUserNeedsAPassword() {
        #expect(
            throws: InvalidConfig(
                "sharedConfig.password is required when a user is given (SCRAM authentication needs it)")
        ) {
            try make(["host": "mongodb://h", "user": "u"])
        }
    }

    @Test func aPasswordInTheStringCounts() throws {
        _ = try make(["host": "mongodb://u:p@h"])
        _ = try make(["host": "mongodb://h", "user": "u", "password": "p"])
        _ = try make(["host": "mongodb://x:p@h", "username": "u"])
    }

    @Test func sslModeConflictsWithTheString() {
        #expect(throws: InvalidConfig.self) { try make(["host": "mongodb://h/?tls=false", "sslMode": "verify-full"]) }
        #expect(throws: InvalidConfig.self) { try make(["host": "mongodb://h/?tls=true", "sslMode": "disable"]) }
        #expect(throws: InvalidConfig.self) { try make(["host": "mongodb://h", "sslMode": "sometimes"]) }
    }

    @Test func documentDBAllowsTLSToBeTurnedOff() throws {
        _ = try make(["host": "mongodb://h/?tls=false"], type: .documentdb)
        _ = try make(["host": "mongodb://h", "sslMode": "disable"], type: .documentdb)
    }

    @Test func targetNamesTheFirstHostOrTheSRVName() throws {
        #expect(
            try make(["host": "mongodb://a.example.com:27018,b"]).target
                == PingTarget(host: "a.example.com", port: 27018))
        #expect(
            try make(["host": "mongodb+srv://c.example.com"]).target == PingTarget(host: "c.example.com", port: nil))
        #expect(
            try make(["host": "db.internal", "port": "27100"]).target == PingTarget(host: "db.internal", port: 27100))
    }

    @Test func badDefaultDatabaseIsRefused() {
        #expect(throws: InvalidConfig.self) { try make(["host": "mongodb://h"], database: "a.b") }
    }
}
