using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Auth0Mcp.Sdk.Tests.Http;
using Auth0Mcp.Sdk.Tools;

namespace Auth0Mcp.Sdk.Tests.Tools;

/// <summary>A descriptor's input schema is parsed once, whoever reads it first and from whichever thread.</summary>
public sealed class DescriptorSchemaTests
{
    [Fact]
    public void InputSchemaElement_IsTheSchemaText_Parsed()
    {
        var descriptor = TestTool.Describe();
        using var expected = JsonDocument.Parse(descriptor.InputSchema);

        Assert.True(JsonElement.DeepEquals(expected.RootElement, descriptor.InputSchemaElement));
        Assert.Equal(JsonValueKind.Object, descriptor.InputSchemaElement.ValueKind);
    }

    [Fact]
    public void InputSchemaElement_ReadTwice_IsTheSameParsedCopy()
    {
        var descriptor = TestTool.Describe();

        Assert.True(SameCopy(descriptor.InputSchemaElement, descriptor.InputSchemaElement));
    }

    [Fact]
    public void Tool_ListsTheDescriptorsParsedSchema_NotACopyOfItsOwn()
    {
        var descriptor = TestTool.Describe();
        var ahead = descriptor.InputSchemaElement;

        var tool = new Auth0ApiTool(descriptor);

        Assert.True(SameCopy(ahead, tool.ProtocolTool.InputSchema));
    }

    [Fact]
    public async Task InputSchemaElement_ReadFromManyThreadsAtOnce_EveryoneGetsTheOneCopy()
    {
        for (var round = 0; round < 20; round++)
        {
            var descriptor = TestTool.Describe();
            using var start = new Barrier(8);
            var reads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    return descriptor.InputSchemaElement;
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)));

            Assert.All(reads, read => Assert.True(SameCopy(reads[0], read)));
            Assert.True(SameCopy(reads[0], descriptor.InputSchemaElement));
        }
    }

    // Two elements are the same parsed copy when their raw UTF-8 is the same memory.
    private static bool SameCopy(JsonElement a, JsonElement b) =>
        Unsafe.AreSame(
            ref MemoryMarshal.GetReference(JsonMarshal.GetRawUtf8Value(a)),
            ref MemoryMarshal.GetReference(JsonMarshal.GetRawUtf8Value(b)));
}
