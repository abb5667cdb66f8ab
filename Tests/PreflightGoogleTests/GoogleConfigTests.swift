import PreflightCore
import PreflightHTTP
import Testing

@testable import PreflightGoogle

@Suite struct GoogleConfigTests {
    private func config(
        _ type: ConnectorType = .bigquery, projectID: String? = GoogleTesting.project,
        credentials: String? = GoogleTesting.keyFile(),
        _ extra: [String: String] = [:]
    ) throws(InvalidConfig) -> GoogleConfig {
        try GoogleConfig(
            payload: GoogleTesting.payload(type: type, projectID: projectID, credentials: credentials, extra: extra))
    }

    private func config(_ extra: [String: String]) throws(InvalidConfig) -> GoogleConfig {
        try config(.bigquery, extra)
    }

    private func message(_ extra: [String: String], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        message(.bigquery, extra, sourceLocation: sourceLocation)
    }

    private func message(
        _ type: ConnectorType = .bigquery, projectID: String? = GoogleTesting.project,
        credentials: String? = GoogleTesting.keyFile(),
        _ extra: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        do {
            _ = try config(type, projectID: projectID, credentials: credentials, extra)
            Issue.record("no InvalidConfig", sourceLocation: sourceLocation)
            return ""
        } catch { return error.message }
    }

    @Test func defaultsToGooglesHosts() throws {
        let bigquery = try config()
        #expect(bigquery.api == HTTPEndpoint(isTLS: true, host: "bigquery.googleapis.com", port: 443))
        #expect(
            bigquery.token == HTTPEndpoint(isTLS: true, host: "oauth2.googleapis.com", port: 443, basePath: "/token"))
        #expect(bigquery.tokenURL == "https://oauth2.googleapis.com/token")
        #expect(bigquery.location == nil && bigquery.dataset == nil && bigquery.rootCertificatesPEM == nil)
        let gcs = try config(.gcs)
        #expect(gcs.api.host == "storage.googleapis.com")
        #expect(GoogleProbeFactory().types == [.bigquery, .gcs])
    }

    @Test func takesOverrides() throws {
        let config = try config(
            .bigquery,
            [
                "endpointURL": "https://bq.proxy.example:8443/google",
                "tokenURL": "https://sts.proxy.example/oauth/token",
                "sslRootCert": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            ])
        #expect(config.api == HTTPEndpoint(isTLS: true, host: "bq.proxy.example", port: 8443, basePath: "/google"))
        #expect(
            config.token == HTTPEndpoint(isTLS: true, host: "sts.proxy.example", port: 443, basePath: "/oauth/token"))
        #expect(config.tokenURL == "https://sts.proxy.example/oauth/token")
        #expect(config.rootCertificatesPEM != nil)
        let fromFile = try self.config(
            credentials: GoogleTesting.keyFile(tokenURI: "https://private.example:9443/token"))
        #expect(fromFile.token == HTTPEndpoint(isTLS: true, host: "private.example", port: 9443, basePath: "/token"))
        #expect(fromFile.tokenURL == "https://private.example:9443/token")
    }

    @Test func refusesCleartextAndOddURLs() {
        #expect(
            message(["endpointURL": "http://bigquery.googleapis.com"])
                == "sharedConfig.endpointURL must be an https:// URL (credentials are sent to it)")
        #expect(
            message(["tokenURL": "http://oauth2.googleapis.com/token"])
                == "sharedConfig.tokenURL must be an https:// URL (credentials are sent to it)")
        #expect(message(["endpointURL": "https://host:99999"]).contains("sharedConfig.endpointURL"))
        #expect(message(["sslRootCert": "not a certificate"]).contains("sharedConfig.sslRootCert must be PEM"))
    }

    @Test func requiresProjectAndCredentials() {
        #expect(message(projectID: nil) == "sharedConfig.projectID is required for bigquery")
        #expect(message(.gcs, projectID: "") == "sharedConfig.projectID is required for gcs")
        #expect(
            message(credentials: nil)
                == "sharedConfig.credentialsData is required for bigquery (the service-account key file's JSON)")
        #expect(
            message(credentials: "   ")
                == "sharedConfig.credentialsData is required for bigquery (the service-account key file's JSON)")
    }

    @Test func checksTheProjectID() throws {
        #expect(message(projectID: "My Project").contains("not the project's display name"))
        #expect(message(projectID: "Acme-Data").contains("not the project's display name"))
        #expect(message(projectID: "acme_data").contains("must be a project ID"))
        #expect(message(projectID: "acme-data-").contains("must be a project ID"))
        #expect(try config(projectID: "example.com:acme-data").projectID == "example.com:acme-data")
        #expect(try config(projectID: "123456789012").projectID == "123456789012")
    }

    @Test func notesAProjectOtherThanTheAccountsOwn() throws {
        #expect(try config().projectNote == nil)
        #expect(
            try config(projectID: "warehouse-prod").projectNote
                == "the service account belongs to project acme-data; the ping reads project warehouse-prod")
    }

    @Test func checksTheLocation() throws {
        #expect(try config(["location": "US"]).location == "US")
        #expect(try config(["location": "eu"]).location == "EU")
        #expect(try config(["location": "europe-west2"]).location == "europe-west2")
        #expect(try config(["location": "NorthAmerica-Northeast1"]).location == "northamerica-northeast1")
        #expect(
            message(["location": "us-central1-a"])
                == "sharedConfig.location is a zone; BigQuery locations are US, EU or a region such as us-central1")
        #expect(message(["location": "mars"]).contains("must be a BigQuery location"))
        #expect(message(["location": "europe west2"]).contains("must be a BigQuery location"))
        // gcs has no location key: it is ignored.
        #expect(try config(.gcs, ["location": "mars"]).location == nil)
    }

    @Test func checksTheDatasetAndBucket() throws {
        #expect(try config(["dataset": "raw_events"]).dataset == "raw_events")
        #expect(message(["dataset": "acme-data.raw"]).contains("dataset ID alone"))
        #expect(message(["dataset": "raw-events"]).contains("letters, digits and underscores"))
        #expect(try config(.gcs, ["bucket": "gs://acme-landing/"]).bucket == "acme-landing")
        #expect(try config(.gcs, ["bucket": "acme.landing.example.com"]).bucket == "acme.landing.example.com")
        #expect(message(.gcs, ["bucket": "acme-landing/raw"]).contains("without a path"))
        #expect(message(.gcs, ["bucket": "Acme_Landing"]).contains("must be a bucket name"))
        #expect(message(.gcs, ["bucket": "ab"]).contains("must be a bucket name"))
        #expect(message(.gcs, ["bucket": "-acme"]).contains("must be a bucket name"))
        // Each type reads only its own key.
        #expect(try config(.gcs, ["dataset": "raw-events!"]).dataset == nil)
        #expect(try config(.bigquery, ["bucket": "NOT A BUCKET"]).bucket == nil)
    }

    @Test func neverEchoesTheKeyFile() {
        let file = GoogleTesting.keyFile()
        for text in [
            message(credentials: String(file.dropLast())),
            message(credentials: file.replacingOccurrences(of: "BEGIN PRIVATE KEY", with: "BEGIN PRIVATE KEE")),
        ] {
            #expect(text.contains("credentialsData"))
            for line in GoogleTestKeys.registered.pkcs8PEMRepresentation.split(separator: "\n") where line.count >= 40 {
                #expect(!text.contains(line))
            }
        }
    }
}
