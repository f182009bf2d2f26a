using System.Text.Json;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

public sealed class GovernanceConcurrencyTests
{
    [Fact]
    public async Task ManySessions_DifferentUsersCallingAtOnce_EveryRecordAttributedAndNoneLost()
    {
        const int users = 8, callsEach = 15;
        await using var h = await GovernanceHarness.StartAsync(Descriptors.UsersList, Descriptors.ClientsGet);
        var names = Enumerable.Range(0, users).Select(i => "user" + i).ToArray();
        await h.AllowAsync(names[..(users / 2)], "auth0_users_list"); // half may call, the other half are denied
        var clients = await Task.WhenAll(names.Select(n => h.ConnectAsync(GovernanceHarness.User(n, "team-" + n))));

        await Task.WhenAll(clients.Select((client, i) => Task.Run(async () =>
        {
            for (var c = 0; c < callsEach; c++)
            {
                await client.CallToolAsync("auth0_users_list", new Dictionary<string, object?> { ["who"] = names[i], ["id"] = c.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }
        })));

        var records = await h.CallRecordsAsync();
        Assert.Equal(users * callsEach, records.Count);
        foreach (var record in records)
        {
            using var args = JsonDocument.Parse(record.Arguments!);
            var who = args.RootElement.GetProperty("who").GetString();
            Assert.Equal(who, record.User);
            Assert.Equal(["team-" + who], record.Groups);
            var allowed = Array.IndexOf(names, who) < users / 2;
            Assert.Equal(allowed ? AuditOutcomes.Success : AuditOutcomes.Denied, record.Outcome);
        }

        Assert.All(names, n => Assert.Equal(callsEach, records.Count(r => r.User == n)));
        Assert.Equal(users / 2 * callsEach, h.Tools["auth0_users_list"].Calls);
        Assert.Equal(users, records.Select(r => r.Session).Distinct().Count());
        var verification = await h.Store.VerifyAuditAsync();
        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
    }
}
