// Swift Testing is there when tests are built; a static release build (`swift build -c release
// --static-swift-stdlib`, which also compiles this target) has no Testing module, so the file is
// empty there.
#if canImport(Testing)
import Testing

extension Tag {
    /// A test that takes seconds (measured serially: 2.7 s or more); the fast lane skips it.
    @Tag public static var slow: Self
}

extension Trait where Self == ConditionTrait {
    /// Runs in the full lane (`Scripts/test`, `.ci/run`) only; `Scripts/test --fast` skips it.
    public static var fullLaneOnly: Self {
        .disabled(if: TestLane.fast, "slow: runs in the full lane (Scripts/test), not in Scripts/test --fast")
    }
}
#endif
