import Testing

/// The shared helpers' own logic, so that an assertion built on them can fail.
struct TransportTestSupportTests {
    static let x = UInt8(ascii: "x")
    static let y = UInt8(ascii: "y")

    @Test(arguments: [0, 1, 2, 3 << 20])
    func bytesThatAreAllTheSameAreFound(count: Int) {
        let bytes = [UInt8](repeating: Self.x, count: count)
        let (allX, allY) = (TransportTest.every(bytes, is: Self.x), TransportTest.every(bytes, is: Self.y))
        #expect(allX)
        #expect(allY == (count == 0))
    }

    @Test(arguments: [0, 1, 4095, 4096, (3 << 20) - 1])
    func oneDifferentByteAnywhereIsFound(at offset: Int) {
        var bytes = [UInt8](repeating: Self.x, count: 3 << 20)
        bytes[offset] = Self.y
        let allX = TransportTest.every(bytes, is: Self.x)  // outside #expect, which would print 3 MiB
        #expect(!allX)
    }
}
