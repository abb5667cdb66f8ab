@main struct Preflight { static func main() {} }
