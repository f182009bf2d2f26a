using Auth0Mcp.Sdk.Http;
using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace Auth0Mcp.Sdk.Tests.Http;

/// <summary>A Refit multipart upload shaped like the generated <c>IJobsUsersImportsApi.CreateAsync</c>.</summary>
public interface IImportsTestApi
{
    /// <summary>POST /jobs/users-imports.</summary>
    [Multipart]
    [Post("/jobs/users-imports")]
    Task<HttpResponseMessage> CreateAsync([AliasAs("users")] StreamPart users, [AliasAs("connection_id")] string connectionId, CancellationToken cancellationToken);
}

/// <summary>A typed multipart upload is buffered once, so a 429 is answered by sending it again, whatever its stream.</summary>
public sealed class MultipartRetryTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TypedMultipartUpload_FirstAnswered429_SentAgainWholeAndSucceeds(bool seekable)
    {
        await using var h = await Harness.StaticAsync();
        h.Server.Api = (ctx, n) => n == 1
            ? ScriptedAuth0Server.Json(ctx, 429, """{"statusCode":429,"error":"Too Many Requests"}""")
            : ScriptedAuth0Server.Json(ctx, 202, """{"id":"job_1"}""");
        var api = RestService.For<IImportsTestApi>(h.Services.GetRequiredService<IAuth0HttpClientSource>().CreateClient());
        var data = """[{"email":"a@b.c"}]"""u8.ToArray();
        using Stream stream = seekable ? new MemoryStream(data) : new ForwardOnlyStream(data);

        using var response = await api.CreateAsync(new StreamPart(stream, "users.json", "application/json"), "con_1", CancellationToken.None);

        Assert.Equal(202, (int)response.StatusCode);
        var requests = h.Server.ApiRequests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r => Assert.Contains("[{\"email\":\"a@b.c\"}]", r.Body, StringComparison.Ordinal));
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.All(requests, r => Assert.True(r.Headers.ContainsKey("Content-Length"), "sent chunked"));
    }

    // A stream read once from start to end, as an ASP.NET request body is.
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
