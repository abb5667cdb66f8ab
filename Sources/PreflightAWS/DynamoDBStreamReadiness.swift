import PreflightCore
import PreflightHTTP

/// DynamoDB Streams DescribeStream (JSON 1.0) and what its answer means for CDC. Pure.
public enum DynamoDBStreams {
    /// `X-Amz-Target` of DescribeStream.
    public static let describeTarget = "DynamoDBStreams_20120810.DescribeStream"

    /// DescribeStream for `streamARN`, asking for one shard only (the answer stays small).
    public static func describeRequest(streamARN: String) -> AWSRequest {
        let body: JSONValue = .object(["StreamArn": .string(streamARN), "Limit": .number(1)])
        return AWSRequest(
            "POST", "/",
            headers: [
                HTTPField("Content-Type", "application/x-amz-json-1.0"),
                HTTPField("X-Amz-Target", describeTarget),
            ], body: body.encodedBytes())
    }

    /// The fields of `StreamDescription` the ping looks at.
    public struct Description: Sendable, Equatable {
        public var status: String
        public var viewType: String?
        public var tableName: String?
        public var label: String?
        public var shardCount: Int?

        public init(status: String, viewType: String?, tableName: String?, label: String?, shardCount: Int?) {
            self.status = status
            self.viewType = viewType
            self.tableName = tableName
            self.label = label
            self.shardCount = shardCount
        }
    }

    /// Nil when the body is not a DescribeStream answer.
    public static func parse(_ body: [UInt8]) -> Description? {
        guard let json = JSONValue.parse(body), let stream = json["StreamDescription"],
            let status = stream["StreamStatus"]?.stringValue
        else { return nil }
        return Description(
            status: status, viewType: stream["StreamViewType"]?.stringValue,
            tableName: stream["TableName"]?.stringValue, label: stream["StreamLabel"]?.stringValue,
            shardCount: stream["Shards"]?.arrayValue?.count)
    }

    /// `stream_status` (ENABLED) and `stream_view_type` (NEW_AND_OLD_IMAGES), each with the exact fix.
    public static func checks(_ description: Description, stream: StreamARN) -> [ReadinessCheck] {
        let table = description.tableName ?? stream.table
        let region = stream.region
        let enable =
            "aws dynamodb update-table --region \(region) --table-name \(table) --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES"
        var checks: [ReadinessCheck] = []
        switch description.status {
        case "ENABLED":
            checks.append(
                ReadinessCheck(name: "stream_status", status: .passed, observed: "ENABLED", required: "ENABLED"))
        case "ENABLING":
            checks.append(
                ReadinessCheck(
                    name: "stream_status", status: .warning, observed: "ENABLING", required: "ENABLED",
                    detail: "the stream is being turned on; it will be ready within minutes"))
        default:
            checks.append(
                ReadinessCheck(
                    name: "stream_status", status: .failed, observed: description.status, required: "ENABLED",
                    detail:
                        "a disabled stream keeps its ARN for 24 hours but receives no new records; turning streams on again makes a new stream with a new ARN",
                    fix: "\(enable) (then put the new LatestStreamArn in streamsArn)", restartRequired: false))
        }
        let view = description.viewType ?? "unknown"
        if view == "NEW_AND_OLD_IMAGES" {
            checks.append(
                ReadinessCheck(
                    name: "stream_view_type", status: .passed, observed: view, required: "NEW_AND_OLD_IMAGES"))
        } else {
            checks.append(
                ReadinessCheck(
                    name: "stream_view_type", status: .failed, observed: view, required: "NEW_AND_OLD_IMAGES",
                    detail: "CDC needs each change's old and new item; a stream's view type cannot be changed in place",
                    fix:
                        "aws dynamodb update-table --region \(region) --table-name \(table) --stream-specification StreamEnabled=false; then \(enable); then put the new LatestStreamArn in streamsArn",
                    restartRequired: false))
        }
        return checks
    }
}
