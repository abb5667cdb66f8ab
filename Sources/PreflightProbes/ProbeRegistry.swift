import Foundation
import PreflightAWS
import PreflightClickHouse
public import PreflightCore
import PreflightDatabricks
import PreflightEventsAPI
import PreflightGoogle
import PreflightKeyspaces
import PreflightMSSQL
import PreflightMongo
import PreflightMotherDuck
import PreflightMySQL
public import PreflightNetwork
import PreflightOracle
import PreflightPostgres
import PreflightRedis
import PreflightSnowflake

/// The connector modules this build has: one line each. Adding a connector type is its module, its
/// test target and a line here; everything else (the engine, the API, the CLI, the `unsupported`
/// answer for the rest) reads this list.
public enum ProbeRegistry {
    /// Every probe factory, in the order types are listed; no identity of this service's is lent.
    public static let builtIn: [any ProbeFactory] = factories(awsAmbient: nil)

    /// The factories, with the operator's choices. `lendAWSIdentity`: this service's AWS identity (from
    /// `environment`) assumes connector roles that come without keys, AssumeRole going to AWS or to
    /// `stsEndpointURL` (see `AWSAmbientIdentity`); throws when asked to lend an identity it lacks.
    public static func factories(
        lendAWSIdentity: Bool = false, environment: [String: String] = [:], stsEndpointURL: String? = nil
    ) throws -> [any ProbeFactory] {
        guard lendAWSIdentity else { return factories(awsAmbient: nil) }
        guard let identity = try AWSAmbientIdentity(environment: environment, stsEndpointURL: stsEndpointURL) else {
            throw InvalidConfig("lending the AWS identity needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        return factories(awsAmbient: identity)
    }

    private static func factories(awsAmbient: AWSAmbientIdentity?) -> [any ProbeFactory] {
        [
            PostgresProbeFactory(),  // postgresql, cockroach, redshift
            MySQLProbeFactory(),  // mysql, planetscale
            MongoProbeFactory(),  // mongodb, documentdb
            AWSProbeFactory(lending: awsAmbient),  // s3, delta, dynamodb, iceberg
            GoogleProbeFactory(),  // bigquery, gcs
            SnowflakeProbeFactory(),
            DatabricksProbeFactory(),
            ClickHouseProbeFactory(),
            MotherDuckProbeFactory(),
            RedisProbeFactory(),
            OracleProbeFactory(),  // oracle: the listener (TNS), the login (O5LOGON), LogMiner readiness
            EventsAPIProbeFactory(),  // api: nothing to dial
            KeyspacesProbeFactory(lending: awsAmbient),  // keyspaces: CQL over TLS
            MSSQLProbeFactory(),
        ]
    }

    /// The types some factory probes, sorted.
    public static var probedTypes: [ConnectorType] {
        Set(builtIn.flatMap(\.types)).sorted { $0.rawValue < $1.rawValue }
    }

    /// Every connector type Artie knows, described: the probed ones by their modules, the others as
    /// `probed: false` (a ping of them answers `unsupported`). Sorted by type.
    public static var descriptions: [ConnectorDescription] {
        ConnectorDescription.catalog(builtIn.flatMap(\.descriptions))
    }

    /// The types no factory probes yet (they answer `unsupported`), sorted.
    public static var unprobedTypes: [ConnectorType] {
        let probed = Set(builtIn.flatMap(\.types))
        return ConnectorType.allCases.filter { !probed.contains($0) }.sorted { $0.rawValue < $1.rawValue }
    }
}
