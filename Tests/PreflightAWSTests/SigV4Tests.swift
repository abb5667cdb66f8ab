import Foundation
import PreflightAWS
import PreflightHTTP
import Testing

/// SigV4 against AWS's published examples: the Signature Version 4 test suite (credentials AKIDEXAMPLE,
/// 20150830T123600Z, us-east-1, service "service"), the IAM ListUsers example of the signing guide, and
/// the S3 GET Object example of the S3 API reference.
struct SigV4Tests {
    static let suite = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let suiteScope = SigV4.Scope(amzDate: "20150830T123600Z", region: "us-east-1", service: "service")
    static let suiteHeaders = [HTTPField("Host", "example.amazonaws.com"), HTTPField("X-Amz-Date", "20150830T123600Z")]

    @Test func getVanilla() {
        let input = SigV4.Input(
            method: "GET", path: "/", headers: Self.suiteHeaders, payloadHash: SigV4.emptyPayloadHash)
        let signed = SigV4.sign(input, credentials: Self.suite, scope: Self.suiteScope)
        #expect(
            signed.canonicalRequest == """
                GET
                /

                host:example.amazonaws.com
                x-amz-date:20150830T123600Z

                host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            signed.stringToSign == """
                AWS4-HMAC-SHA256
                20150830T123600Z
                20150830/us-east-1/service/aws4_request
                bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
                """)
        #expect(signed.signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(
            signed.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    @Test func getVanillaQueryOrderKeyCase() {
        let input = SigV4.Input(
            method: "GET", path: "/", query: [.init("Param2", "value2"), .init("Param1", "value1")],
            headers: Self.suiteHeaders, payloadHash: SigV4.emptyPayloadHash)
        let signed = SigV4.sign(input, credentials: Self.suite, scope: Self.suiteScope)
        #expect(
            signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2]
                == "Param1=value1&Param2=value2")
        #expect(signed.stringToSign.hasSuffix("816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"))
        #expect(signed.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test func postXWWWFormURLEncoded() {
        let body = Array("Param1=value1".utf8)
        let input = SigV4.Input(
            method: "POST", path: "/",
            headers: [HTTPField("Content-Type", "application/x-www-form-urlencoded")] + Self.suiteHeaders,
            payloadHash: SigV4.hex(sha256(body)))
        let signed = SigV4.sign(input, credentials: Self.suite, scope: Self.suiteScope)
        #expect(
            signed.canonicalRequest == """
                POST
                /

                content-type:application/x-www-form-urlencoded
                host:example.amazonaws.com
                x-amz-date:20150830T123600Z

                content-type;host;x-amz-date
                9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
                """)
        #expect(signed.stringToSign.hasSuffix("42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"))
        #expect(signed.signature == "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")
    }

    @Test func getVanillaWithSessionToken() {
        let token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
        let input = SigV4.Input(
            method: "GET", path: "/", headers: Self.suiteHeaders + [HTTPField("X-Amz-Security-Token", token)],
            payloadHash: SigV4.emptyPayloadHash)
        var credentials = Self.suite
        credentials.sessionToken = token
        let signed = SigV4.sign(input, credentials: credentials, scope: Self.suiteScope)
        #expect(signed.signedHeaders == "host;x-amz-date;x-amz-security-token")
        #expect(signed.stringToSign.hasSuffix("067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b"))
        #expect(signed.signature == "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8")
    }

    @Test func headerValuesAreTrimmedAndRepeatsJoined() {
        let trim = SigV4.Input(
            method: "GET", path: "/",
            headers: Self.suiteHeaders + [
                HTTPField("My-Header1", " value1"), HTTPField("My-Header2", " \"a   b   c\""),
            ],
            payloadHash: SigV4.emptyPayloadHash)
        #expect(
            SigV4.sign(trim, credentials: Self.suite, scope: Self.suiteScope).signature
                == "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")
        let repeated = SigV4.Input(
            method: "GET", path: "/",
            headers: Self.suiteHeaders + ["value2", "value2", "value1"].map { HTTPField("My-Header1", $0) },
            payloadHash: SigV4.emptyPayloadHash)
        #expect(
            SigV4.sign(repeated, credentials: Self.suite, scope: Self.suiteScope).signature
                == "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")
    }

    /// The IAM ListUsers example of AWS's SigV4 guide, with its derived signing key.
    @Test func iamListUsersExample() {
        let key = SigV4.signingKey(
            secret: Self.suite.secretAccessKey, day: "20150830", region: "us-east-1", service: "iam")
        #expect(SigV4.hex(key) == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
        let input = SigV4.Input(
            method: "GET", path: "/", query: [.init("Action", "ListUsers"), .init("Version", "2010-05-08")],
            headers: [
                HTTPField("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                HTTPField("Host", "iam.amazonaws.com"), HTTPField("X-Amz-Date", "20150830T123600Z"),
            ],
            payloadHash: SigV4.emptyPayloadHash)
        let signed = SigV4.sign(
            input, credentials: Self.suite,
            scope: SigV4.Scope(amzDate: "20150830T123600Z", region: "us-east-1", service: "iam"))
        #expect(
            signed.canonicalRequest == """
                GET
                /
                Action=ListUsers&Version=2010-05-08
                content-type:application/x-www-form-urlencoded; charset=utf-8
                host:iam.amazonaws.com
                x-amz-date:20150830T123600Z

                content-type;host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(signed.stringToSign.hasSuffix("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"))
        #expect(signed.signature == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
    }

    /// The GET Object example of the S3 API reference (bytes 0-9 of test.txt in examplebucket).
    @Test func s3GetObjectExample() {
        let credentials = AWSCredentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        let input = SigV4.Input(
            method: "GET", path: "/test.txt",
            headers: [
                HTTPField("Host", "examplebucket.s3.amazonaws.com"), HTTPField("Range", "bytes=0-9"),
                HTTPField("x-amz-content-sha256", SigV4.emptyPayloadHash), HTTPField("x-amz-date", "20130524T000000Z"),
            ], payloadHash: SigV4.emptyPayloadHash)
        let signed = SigV4.sign(
            input, credentials: credentials,
            scope: SigV4.Scope(amzDate: "20130524T000000Z", region: "us-east-1", service: "s3"))
        #expect(
            signed.canonicalRequest == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            signed.stringToSign == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
                """)
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    /// The whole-request helper adds the date, S3's payload hash and the session token, and signs them.
    @Test func signedHeadersForS3WithSessionCredentials() throws {
        let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
        #expect(SigV4.amzDate(date) == "20150830T123600Z")
        let credentials = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "the-token")
        let result = SigV4.signedHeaders(
            method: "GET", host: "s3.us-east-1.amazonaws.com", path: "/", query: [], headers: [],
            body: [], credentials: credentials, region: "us-east-1", service: "s3", date: date)
        let names = result.headers.map { $0.name.lowercased() }
        #expect(names == ["x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"])
        #expect(result.signature.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
        let other = SigV4.signedHeaders(
            method: "GET", host: "sts.amazonaws.com", path: "/", query: [], headers: [],
            body: [], credentials: Self.suite, region: "us-east-1", service: "sts", date: date)
        #expect(other.signature.signedHeaders == "host;x-amz-date")
    }

    /// Non-S3 services sign the path encoded twice (an S3 Tables ARN in the path); S3 signs it as sent.
    @Test func canonicalURIEncodesTwiceExceptForS3() {
        let path = "/buckets/arn%3Aaws%3As3tables%3Aus-east-1%3A111122223333%3Abucket%2Fb"
        #expect(
            SigV4.canonicalURI(path, service: "s3tables")
                == "/buckets/arn%253Aaws%253As3tables%253Aus-east-1%253A111122223333%253Abucket%252Fb")
        #expect(SigV4.canonicalURI(path, service: "s3") == path)
        #expect(SigV4.canonicalURI("", service: "sts") == "/")
    }

    private func sha256(_ bytes: [UInt8]) -> [UInt8] {
        // Through the signer's own helper: the empty-payload constant proves the digest.
        let digest = SigV4.signedHeaders(
            method: "POST", host: "h", path: "/", query: [], headers: [], body: bytes,
            credentials: Self.suite, region: "us-east-1", service: "s3", date: Date()
        ).headers
            .first { $0.name == "X-Amz-Content-SHA256" }!.value
        return stride(from: 0, to: digest.count, by: 2).map { offset in
            let start = digest.index(digest.startIndex, offsetBy: offset)
            return UInt8(digest[start..<digest.index(start, offsetBy: 2)], radix: 16)!
        }
    }
}
