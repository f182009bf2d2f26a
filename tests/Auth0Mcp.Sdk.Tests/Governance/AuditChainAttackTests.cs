using System.Text.Json;
using Auth0Mcp.Sdk.Governance;

namespace Auth0Mcp.Sdk.Tests.Governance;

/// <summary>
/// The attacks of issue 11 item 4, made as a writer of the database would (SQL on the real store, no key), each of
/// which must be detected by <see cref="IGovernanceStore.VerifyAuditAsync(CancellationToken)"/>; run against SQLite and PostgreSQL.
/// </summary>
public sealed class AuditChainAttackTests
{
    private static AuditRecord Call(string user, string outcome = AuditOutcomes.Success) => new()
    {
        Time = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero).AddMinutes(user.Length),
        Kind = AuditKinds.Call,
        Event = "tool.call",
        User = user,
        Tool = "auth0_users_delete",
        Arguments = """{"id":"auth0|1"}""",
        Outcome = outcome,
    };

    [Theory, SqliteStore, PostgresStore]
    public async Task Verify_IntactChain_ValidAndSaysWhatItCheckedAndCannotProve(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 4);

        var verification = await store.VerifyAuditAsync();

        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
        Assert.Equal(4, verification.Count);
        Assert.Contains(verification.Checked, c => c.Contains("4 record(s) sealed with HMAC-SHA256", StringComparison.Ordinal));
        Assert.Contains(verification.Checked, c => c.Contains("checkpoint", StringComparison.Ordinal) && c.Contains("names record 4", StringComparison.Ordinal));
        Assert.Contains(verification.CannotProve, c => c.Contains(fixture.CheckpointFile, StringComparison.Ordinal) && c.Contains("rolled back or removed", StringComparison.Ordinal));
        Assert.Contains(verification.CannotProve, c => c.Contains(fixture.KeyFile, StringComparison.Ordinal) && c.Contains("forge", StringComparison.Ordinal));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_LastRowDeletedAndHeadMovedBack_Detected(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 4);
        var third = (await ReadAllAsync(store))[2];

        await fixture.ExecuteAsync($"DELETE FROM audit_log WHERE seq = 4; UPDATE audit_head SET seq = 3, hash = {Sql(third.Hash)} WHERE id = 1");

        await AssertDetectedAsync(store, "names record 4 but the chain ends at record 3");
    }

    [Fact]
    public async Task Verify_RecordsAppendedWhileTheChainIsRead_AreNotMistakenForTampering()
    {
        // The head is read first, the rows after, page by page: a record the server appends in between ends the chain
        // past the head read at the start. The head read again at the end reaches it; a head that does not is still
        // reported.
        var keys = AuditKeyRing.FromKeys([new byte[32]], "test");
        var rows = new List<AuditRow>();
        var previous = AuditChain.Genesis;
        for (var seq = 1; seq <= 3; seq++)
        {
            var row = AuditChain.Seal(Call("user" + seq), seq, previous, keys);
            rows.Add(row);
            previous = row.Hash;
        }

        var atStart = (2L, rows[1].Hash);
        var grown = await AuditChain.VerifyAsync(rows.ToAsyncEnumerable(), atStart, keys, null, headNow: _ => Task.FromResult((3L, rows[2].Hash)));
        var stale = await AuditChain.VerifyAsync(rows.ToAsyncEnumerable(), atStart, keys, null, headNow: _ => Task.FromResult(atStart));

        Assert.True(grown.IsValid, string.Join("; ", grown.Problems));
        Assert.Contains(stale.Problems, p => p.Contains("the chain ends at record 3 but the head says 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_BrokenChain_CheckedListClaimsNoCheckThatFailed()
    {
        // "checked:" follows the problems: for a chain with a record missing, its head moved and a column edited, it
        // must not say "numbered 1..4 without gaps", that the columns equal the sealed content, or that the head names
        // the last record.
        var keys = AuditKeyRing.FromKeys([new byte[32]], "test");
        var rows = new List<AuditRow>();
        var previous = AuditChain.Genesis;
        for (var seq = 1; seq <= 4; seq++)
        {
            var row = AuditChain.Seal(Call("user" + seq), seq, previous, keys);
            rows.Add(row);
            previous = row.Hash;
        }

        rows[3] = rows[3] with { Columns = rows[3].Columns! with { Outcome = AuditOutcomes.Denied } };
        var edited = await AuditChain.VerifyAsync(rows.ToAsyncEnumerable(), (4L, rows[3].Hash), keys, null);
        var broken = await AuditChain.VerifyAsync(rows.Where(r => r.Sequence != 2).ToAsyncEnumerable(), (3L, rows[2].Hash), keys, null);

        Assert.Contains("4 record(s): numbered 1..4 without gaps, each linking the previous record's seal", edited.Checked);
        Assert.Contains("the stored head names the last record and its seal", edited.Checked);
        Assert.False(broken.IsValid);
        Assert.DoesNotContain(broken.Checked, c => c.Contains("without gaps", StringComparison.Ordinal));
        Assert.DoesNotContain(broken.Checked, c => c.Contains("equal its sealed content", StringComparison.Ordinal));
        Assert.DoesNotContain("the stored head names the last record and its seal", broken.Checked);
        Assert.Contains("3 record(s) read, the last numbered 4: the numbering and each link to the previous record's seal checked: NOT intact (see the problems)", broken.Checked);
    }

    [Fact]
    public void PublishNew_TwoWritersAtOnce_ExactlyOneFileStands_TheOtherIsToldSo()
    {
        // The step that creates a key file: File.Move without overwrite checks, then renames, so two racing writers
        // both "succeeded" and the second replaced the first's key (about two races in three on this machine).
        var dir = Directory.CreateTempSubdirectory("auth0mcp-publish-").FullName;
        try
        {
            for (var trial = 0; trial < 500; trial++)
            {
                var path = Path.Combine(dir, $"k{trial}.key");
                var temps = new[] { Path.Combine(dir, $"a{trial}.tmp"), Path.Combine(dir, $"b{trial}.tmp") };
                File.WriteAllText(temps[0], "a");
                File.WriteAllText(temps[1], "b");
                using var start = new Barrier(2);
                var published = new bool[2];
                var threads = Enumerable.Range(0, 2).Select(n => new Thread(() =>
                {
                    start.SignalAndWait();
                    published[n] = PrivateFiles.PublishNew(temps[n], path);
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                Assert.True(published[0] != published[1], $"trial {trial}: published {published[0]} and {published[1]}");
                Assert.Equal(published[0] ? "a" : "b", File.ReadAllText(path));
            }

            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void PublishNew_FileSystemWithoutHardLinks_FallsBackToTheMove_ExistingFileStands()
    {
        // vfat, exFAT, CIFS without Unix extensions, some FUSE mounts refuse link(2) (EPERM): the key file must still be
        // created there (the first start failed with "cannot create …audit-key (Operation not permitted)").
        if (OperatingSystem.IsWindows())
        {
            return; // no hard link is tried there
        }

        var dir = Directory.CreateTempSubdirectory("auth0mcp-nolink-").FullName;
        var saved = PrivateFiles.LinkFile;
        PrivateFiles.LinkFile = (_, _) =>
        {
            System.Runtime.InteropServices.Marshal.SetLastPInvokeError(1); // EPERM
            return -1;
        };
        try
        {
            var path = Path.Combine(dir, "audit.key");
            File.WriteAllText(Path.Combine(dir, "a.tmp"), "a");
            File.WriteAllText(Path.Combine(dir, "b.tmp"), "b");
            Assert.True(PrivateFiles.PublishNew(Path.Combine(dir, "a.tmp"), path));
            Assert.False(PrivateFiles.PublishNew(Path.Combine(dir, "b.tmp"), path));
            Assert.Equal("a", File.ReadAllText(path));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally
        {
            PrivateFiles.LinkFile = saved;
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void KeyFile_TwoWritersCreatingItAtOnce_BothReadOneKey()
    {
        // Two store instances starting together on a new store with one key file: one key must win for both
        // (a move that replaced the first writer's file left records sealed with a key no file holds).
        var dir = Directory.CreateTempSubdirectory("auth0mcp-keyrace-").FullName;
        try
        {
            for (var trial = 0; trial < 100; trial++)
            {
                var path = Path.Combine(dir, $"k{trial}.key");
                using var start = new Barrier(2);
                var ids = new string[2];
                var threads = Enumerable.Range(0, 2).Select(n => new Thread(() =>
                {
                    start.SignalAndWait();
                    ids[n] = AuditKeyRing.OpenFile(path).CurrentKeyId;
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                Assert.True(ids[0] == ids[1], $"trial {trial}: the writers read keys {ids[0]} and {ids[1]}");
                Assert.Equal(ids[0], AuditKeyRing.OpenFile(path).CurrentKeyId);
            }

            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("hmac-sha256:0123456789abcdef:00ff", "0123456789abcdef")]
    [InlineData("hmac-sha256:0123456789ABCDEF:00ff", null)]
    [InlineData("hmac-sha256:0123456789abcde:00ff", null)]
    [InlineData("hmac-sha256:\u001b[2K\rintact:00ff", null)]
    [InlineData("hmac-sha256:0123456789abcdef", null)]
    [InlineData("sha256:00ff", null)]
    public void KeyIdOf_OnlyAKeyIdsShape_SixteenLowercaseHexDigits(string hash, string? expected) => Assert.Equal(expected, AuditChain.KeyIdOf(hash));

    [Fact]
    public async Task Verify_SealNamingAKeyIdOfAnotherShape_MalformedAndTheIdNotQuoted()
    {
        // A writer of the store cannot put its own text (an escape sequence, a fake verdict) into verify's problems.
        var keys = AuditKeyRing.FromKeys([new byte[32]], "test");
        var row = AuditChain.Seal(Call("alice"), 1, AuditChain.Genesis, keys);
        var forged = row with { Hash = "hmac-sha256:\u001b[2K\rintact:" + row.Hash[(row.Hash.LastIndexOf(':') + 1)..] };

        var verification = await AuditChain.VerifyAsync(new[] { forged }.ToAsyncEnumerable(), (1L, forged.Hash), keys, null);

        Assert.Contains("record 1: malformed seal", verification.Problems);
        Assert.DoesNotContain(verification.Problems, p => p.Contains('\u001b', StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_MoreProblemsThanKeptAsLines_KeepsTheFirstCountsEveryOneByKindAndAlwaysKeepsTheChainsEnd()
    {
        // A key file from before a rotation restored: every record is a problem. Verify held all of them as lines (3M
        // records: 993 MB, printed only at the end); it keeps the first as lines and counts the rest by kind, exactly.
        var sealing = AuditKeyRing.FromKeys([Enumerable.Repeat((byte)1, 32).ToArray()], "old");
        var restored = AuditKeyRing.FromKeys([new byte[32]], "restored");
        var records = AuditChain.ProblemLinesKept + 50;
        var rows = new List<AuditRow>();
        var previous = AuditChain.Genesis;
        for (var seq = 1; seq <= records; seq++)
        {
            var row = AuditChain.Seal(Call("user" + seq), seq, previous, sealing);
            rows.Add(seq == records - 10 ? row with { Columns = row.Columns! with { User = "mallory" } } : row);
            previous = row.Hash;
        }

        // The head names one record more than the chain holds: a finding about the chain's end, found last.
        var verification = await AuditChain.VerifyAsync(rows.ToAsyncEnumerable(), (records + 1L, "x"), restored, null);

        var keyKind = $"record(s) sealed with key {sealing.CurrentKeyId}, which is not in the key ring";
        const string ColumnsKind = "record(s) whose indexed columns differ from the sealed record (edited)";
        const string ChainKind = "finding(s) about the chain as a whole (its end, head, checkpoint file or key)";
        Assert.False(verification.IsValid);
        Assert.Equal(records, verification.Count);
        Assert.Equal(records + 2, verification.ProblemCount); // every record's seal, one record's columns, the head
        Assert.Equal(AuditChain.ProblemLinesKept + 1, verification.Problems.Count);
        Assert.Equal(Enumerable.Range(1, AuditChain.ProblemLinesKept).Select(n => $"record {n}: "), verification.Problems.Take(AuditChain.ProblemLinesKept).Select(p => p[..(p.IndexOf(':', StringComparison.Ordinal) + 2)]));
        Assert.Equal($"the chain ends at record {records} but the head says {records + 1} (records deleted at the end?)", verification.Problems[^1]);
        Assert.Equal([(keyKind, (long)records), (ColumnsKind, 1L), (ChainKind, 1L)], verification.ProblemKinds);
        Assert.Equal($"audit chain BROKEN: {records + 2} problem(s) in {records} record(s)", verification.Verdict);
        Assert.Equal($"and 51 more: 50 {keyKind}; 1 {ColumnsKind}", verification.MoreThan(verification.Problems.Count));
        Assert.Equal($"and 1,002 more: 1,000 {keyKind}; 1 {ColumnsKind}; 1 {ChainKind}", verification.MoreThan(50)); // the console shows 50
    }

    [Fact]
    public async Task Verify_EveryProblemKeptAsALine_NothingMoreToSay()
    {
        var keys = AuditKeyRing.FromKeys([new byte[32]], "test");
        var row = AuditChain.Seal(Call("alice"), 1, AuditChain.Genesis, keys);

        var verification = await AuditChain.VerifyAsync(new[] { row with { Columns = row.Columns! with { Tool = "x" } } }.ToAsyncEnumerable(), (1L, row.Hash), keys, null);

        Assert.Equal(1, verification.ProblemCount);
        Assert.Single(verification.Problems);
        Assert.Null(verification.MoreThan(verification.Problems.Count));
        Assert.Equal("and 1 more: 1 record(s) whose indexed columns differ from the sealed record (edited)", verification.MoreThan(0));
    }

    [Fact]
    public async Task Verify_HeadReadAgainIsPastTheLastPage_ReadsOnToItAndReportsOnlyRecordsThatCannotBeRead()
    {
        // The rows went past the head read at the start (one record appended while they were read), and more were
        // committed after the last page and before the head was read again: the head is then past the rows. Verify
        // reads on from the last row to the head; only a head naming records that are not there is a deletion.
        var keys = AuditKeyRing.FromKeys([new byte[32]], "test");
        var rows = new List<AuditRow>();
        var previous = AuditChain.Genesis;
        for (var seq = 1; seq <= 5; seq++)
        {
            var row = AuditChain.Seal(Call("user" + seq), seq, previous, keys);
            rows.Add(row);
            previous = row.Hash;
        }

        var atStart = (2L, rows[1].Hash);
        var atEnd = (5L, rows[4].Hash);
        var readOn = new List<long>();
        IAsyncEnumerable<AuditRow> After(long sequence, IReadOnlyList<AuditRow> stored)
        {
            readOn.Add(sequence);
            return stored.Where(r => r.Sequence > sequence).ToAsyncEnumerable();
        }

        var grown = await AuditChain.VerifyAsync(rows.Take(3).ToAsyncEnumerable(), atStart, keys, null, headNow: _ => Task.FromResult(atEnd), readAfter: (s, _) => After(s, rows));
        var truncated = await AuditChain.VerifyAsync(rows.Take(3).ToAsyncEnumerable(), atStart, keys, null, headNow: _ => Task.FromResult(atEnd), readAfter: (s, _) => After(s, rows.Take(4).ToList()));

        Assert.True(grown.IsValid, string.Join("; ", grown.Problems));
        Assert.Equal(5, grown.Count);
        Assert.Equal([3L, 3L, 4L], readOn); // grown: once from 3; truncated: from 3, then from 4, which has nothing after it
        Assert.False(truncated.IsValid);
        Assert.Contains("the chain ends at record 4 but the head says 5 (records deleted at the end?)", truncated.Problems);
    }

    [Fact]
    public async Task Verify_RecordsCommittedBetweenTheLastPageAndTheSecondHeadRead_NotReportedAsTampering()
    {
        // What three servers writing did to `audit verify` (reported "the chain ends at record 788 but the head says
        // 792"): a record is appended while the rows are read (the rows pass the first head), and two more after the
        // last row is read, before the head is read again. The store is made to do exactly that, once.
        await using var fixture = await StoreFixture.CreateAsync("sqlite");
        await using var inner = await SeedAsync(fixture, 3);
        await using IGovernanceStore store = new AppendingWhileReadStore(inner);

        var verification = await store.VerifyAuditAsync();

        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
        Assert.Equal(6, verification.Count);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Verify_WhileOtherInstancesAppend_NeverReportsABreak(string kind)
    {
        // Two other instances (servers) commit batches the whole time; every verify of this instance must be intact.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var verifier = await SeedAsync(fixture, 3);
        await using var writerA = await fixture.OpenAsync();
        await using var writerB = await fixture.OpenAsync();
        using var stop = new CancellationTokenSource();
        async Task WriteAsync(IGovernanceStore writer, string name)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await Task.WhenAll(Enumerable.Range(0, 3).Select(j => writer.AppendAuditAsync(Call($"{name}{i}-{j}"))));
            }
        }

        var writing = Task.WhenAll(Task.Run(() => WriteAsync(writerA, "a")), Task.Run(() => WriteAsync(writerB, "b")));

        var broken = new List<string>();
        try
        {
            for (var run = 0; run < 100; run++)
            {
                var verification = await verifier.VerifyAuditAsync();
                if (!verification.IsValid)
                {
                    broken.Add($"run {run}: {string.Join("; ", verification.Problems)}");
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await writing;
        }

        Assert.Empty(broken);
        Assert.True((await verifier.VerifyAuditAsync()).IsValid);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_TruncatedThenWrittenOn_TheWriteIsRefusedAndTheTruncationStaysVisible(string kind)
    {
        // Writing on would give new records the deleted ones' numbers, and the checkpoint file's compaction would
        // later drop the checkpoints that show the truncation: the writer refuses, in this process and in a new one.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 4);
        var second = (await ReadAllAsync(store))[1];
        await fixture.ExecuteAsync($"DELETE FROM audit_log WHERE seq > 2; UPDATE audit_head SET seq = 2, hash = {Sql(second.Hash)} WHERE id = 1");

        var here = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("after")));
        await using var other = await fixture.OpenAsync();
        var there = await Assert.ThrowsAsync<GovernanceStoreException>(() => other.AppendAuditAsync(Call("after")));

        Assert.All(new[] { here, there }, ex => Assert.Contains("ends at record 2, but the checkpoint file", ex.Message, StringComparison.Ordinal));
        Assert.Equal(2, (await store.GetAuditHeadAsync()).Sequence);
        await AssertDetectedAsync(other, "names record 4 but the chain ends at record 2");
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_ReChainedWithoutKeyAndCheckpointFileRemoved_Detected(string kind)
    {
        // Without the key, the attacker re-links every row with plain SHA-256 (the seal of stores from before keyed
        // sealing) and removes the checkpoint file; the sealed bodies still name the real previous seals.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);
        var forged = new List<AuditRow>();
        var previous = AuditChain.Genesis;
        foreach (var row in await ReadAllAsync(store))
        {
            var body = row.Sequence == 3 ? row.Body.Replace("\"user2\"", "\"mallory\"", StringComparison.Ordinal) : row.Body;
            var record = AuditChain.Read(row with { Body = body });
            var rechained = new AuditRow(row.Sequence, body, previous, AuditChain.ComputeHash(previous, body)) { Columns = AuditChain.ColumnsOf(record) };
            forged.Add(rechained);
            previous = rechained.Hash;
        }

        await RewriteChainAsync(fixture, forged);
        await fixture.ExecuteAsync($"UPDATE audit_head SET seq = 3, hash = {Sql(previous)} WHERE id = 1");
        File.Delete(fixture.CheckpointFile);

        await AssertDetectedAsync(store, "the previous hash in the record does not match its link");
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_MiddleRowDeletedAndChainRecomputedWithoutKey_Detected(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 5);
        var kept = (await ReadAllAsync(store)).Select(AuditChain.Read).Where(r => r.Sequence != 2).ToList();

        // The attacker renumbers and re-seals everything with the only seal they can compute: plain SHA-256.
        var forged = new List<AuditRow>();
        var previous = AuditChain.Genesis;
        foreach (var record in kept)
        {
            record.Sequence = forged.Count + 1;
            record.PreviousHash = previous;
            record.Hash = null;
            var body = JsonSerializer.Serialize(record, GovernanceJsonContext.Default.AuditRecord);
            var row = new AuditRow(record.Sequence, body, previous, AuditChain.ComputeHash(previous, body)) { Columns = AuditChain.ColumnsOf(record) };
            forged.Add(row);
            previous = row.Hash;
        }

        await RewriteChainAsync(fixture, forged);

        await AssertDetectedAsync(store, "names record 5 but the chain ends at record 4");
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_ChainRecomputedWithTheAttackersOwnKey_Detected(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 5);
        var records = (await ReadAllAsync(store)).Select(AuditChain.Read).ToList();
        records[1].Outcome = AuditOutcomes.Denied; // rewrite history: the delete "was refused"
        var attackerKey = AuditKeyRing.FromKeys([new byte[32]], "attacker");

        var forged = new List<AuditRow>();
        var previous = AuditChain.Genesis;
        foreach (var record in records)
        {
            var row = AuditChain.Seal(record, forged.Count + 1, previous, attackerKey);
            forged.Add(row);
            previous = row.Hash;
        }

        await RewriteChainAsync(fixture, forged);

        var verification = await AssertDetectedAsync(store, "record 2: sealed with key " + attackerKey.CurrentKeyId + ", which is not in the key ring");
        Assert.Contains(verification.Problems, p => p.Contains("record 5: differs from the checkpoint", StringComparison.Ordinal));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_EverythingDeletedAndHeadReset_Detected(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);

        await fixture.ExecuteAsync($"DELETE FROM audit_log; UPDATE audit_head SET seq = 0, hash = {Sql(AuditChain.Genesis)} WHERE id = 1");

        var verification = await store.VerifyAuditAsync();
        Assert.False(verification.IsValid);
        Assert.Equal(0, verification.Count);
        Assert.Contains(verification.Problems, p => p.Contains("names record 3 but the chain ends at record 0", StringComparison.Ordinal));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_ForgedRecordAppendedWithCorrectLinks_Detected(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);

        await AppendForgedAsync(fixture, store, (last, body) => AuditChain.ComputeHash(last.Hash, body));

        await AssertDetectedAsync(store, "record 4: sealed without a key after keyed records");
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_ForgedRecordClaimingTheRealKeyId_Detected(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 2);

        await AppendForgedAsync(fixture, store, (last, _) => $"hmac-sha256:{last.Hash.Split(':')[1]}:{new string('a', 64)}");

        await AssertDetectedAsync(store, "record 3: content does not match its seal");
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_OutcomeUserAndToolColumnsEdited_EachDetected(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 4);

        await fixture.ExecuteAsync("UPDATE audit_log SET outcome = 'denied' WHERE seq = 1");
        await fixture.ExecuteAsync("UPDATE audit_log SET user_name = 'someone-else' WHERE seq = 2");
        await fixture.ExecuteAsync("UPDATE audit_log SET tool = 'auth0_users_list' WHERE seq = 3");

        var verification = await store.VerifyAuditAsync();
        Assert.False(verification.IsValid);
        Assert.Contains("record 1: column(s) outcome differ from the sealed record (edited)", verification.Problems);
        Assert.Contains("record 2: column(s) user_name differ from the sealed record (edited)", verification.Problems);
        Assert.Contains("record 3: column(s) tool differ from the sealed record (edited)", verification.Problems);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_BodyFieldEdited_Detected(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);

        await fixture.ExecuteAsync("UPDATE audit_log SET body = REPLACE(body, '\"success\"', '\"denied\"'), outcome = 'denied' WHERE seq = 2");

        var verification = await store.VerifyAuditAsync();
        Assert.False(verification.IsValid);
        Assert.Contains("record 2: content does not match its seal (edited, or forged without the key)", verification.Problems);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_TruncatedAndCheckpointFileRemoved_ReportedAsMissingCheckpoints(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);
        var second = (await ReadAllAsync(store))[1];

        await fixture.ExecuteAsync($"DELETE FROM audit_log WHERE seq = 3; UPDATE audit_head SET seq = 2, hash = {Sql(second.Hash)} WHERE id = 1");
        File.Delete(fixture.CheckpointFile);

        await AssertDetectedAsync(store, $"the checkpoint file {fixture.CheckpointFile} is missing");
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_CheckpointLineEdited_Detected(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);
        var lines = await File.ReadAllLinesAsync(fixture.CheckpointFile);

        await File.WriteAllLinesAsync(fixture.CheckpointFile, [.. lines[..^1], lines[^1].Replace("\"seq\":3", "\"seq\":2", StringComparison.Ordinal)]);

        await AssertDetectedAsync(store, $"checkpoint line {lines.Length} (record 2) has a wrong signature");
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Verify_CheckpointLineTornByACrashThenWrittenOn_IntactAndTheNewCheckpointCounts(string kind)
    {
        // A writer killed mid-append leaves its checkpoint line without a newline; the next writer (another server,
        // the command line) must not glue its line onto it, and verify must not report the torn line for ever.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using (var killed = await SeedAsync(fixture, 3))
        {
        }

        var whole = await File.ReadAllBytesAsync(fixture.CheckpointFile);
        await File.WriteAllBytesAsync(fixture.CheckpointFile, whole[..^25]);
        await using var next = await SeedAsync(fixture, 1);

        var verification = await next.VerifyAuditAsync();

        Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
        Assert.Contains(verification.Checked, c => c.Contains("names record 4", StringComparison.Ordinal));
        Assert.Contains(verification.Checked, c => c.Contains("cut short by a crash", StringComparison.Ordinal));

        // The checkpoint written after the torn line still catches the end of the chain deleted.
        var third = (await ReadAllAsync(next))[2];
        await fixture.ExecuteAsync($"DELETE FROM audit_log WHERE seq = 4; UPDATE audit_head SET seq = 3, hash = {Sql(third.Hash)} WHERE id = 1");
        await AssertDetectedAsync(next, "names record 4 but the chain ends at record 3");
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Verify_AfterKeyRotation_OldAndNewSealsVerify_AndARemovedKeyIsNamed(string kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        string oldKey;
        await using (var before = await SeedAsync(fixture, 2))
        {
            oldKey = (await ReadAllAsync(before))[0].Hash.Split(':')[1];
        }

        var newKey = AuditKeyRing.RotateFile(fixture.KeyFile);
        await using (var after = await fixture.OpenAsync())
        {
            await after.AppendAuditAsync(Call("after-rotation"));
            var rows = await ReadAllAsync(after);
            var verification = await after.VerifyAuditAsync();

            Assert.True(verification.IsValid, string.Join("; ", verification.Problems));
            Assert.NotEqual(oldKey, newKey);
            Assert.Equal([oldKey, oldKey, newKey], rows.Select(r => r.Hash.Split(':')[1]));
        }

        var keyLines = (await File.ReadAllLinesAsync(fixture.KeyFile)).Where(l => !l.StartsWith('#')).ToList();
        await File.WriteAllLinesAsync(fixture.KeyFile, keyLines.Skip(1)); // the old key is lost
        await using var withoutOld = await fixture.OpenAsync();
        var broken = await withoutOld.VerifyAuditAsync();
        Assert.False(broken.IsValid);
        Assert.Contains(broken.Problems, p => p.Contains($"record 1: sealed with key {oldKey}, which is not in the key ring", StringComparison.Ordinal));
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_ReSealedUnkeyedWithAnEditThenWrittenOn_TheWriteIsRefused(string kind)
    {
        // A database writer without the key or the checkpoint file re-seals the whole chain as one from before keyed
        // sealing (plain SHA-256, each body's previous_hash too), record 2's user changed to alice, and moves the head to
        // the new last seal: the head and its record agree, and only the checkpoint's seal shows the rewrite. Writing
        // keyed records on top would make the forgery the chain's past (and compaction would later drop the evidence).
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);
        var forgedHead = await ReSealUnkeyedAsync(fixture, store, edit: 2, "user1", "alice");

        var here = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("after")));
        await using var other = (DbGovernanceStore)await fixture.OpenAsync();
        var there = await Assert.ThrowsAsync<GovernanceStoreException>(() => other.AppendAuditAsync(Call("after")));
        var atStart = await Assert.ThrowsAsync<GovernanceStoreException>(() => other.PrepareToWriteAsync(CancellationToken.None));

        Assert.All(new[] { here, there, atStart }, ex => Assert.Contains(
            $"the checkpoint file {fixture.CheckpointFile} names record 3 with a seal the audit log no longer holds for it: the chain was rewritten (re-sealed without the audit key?), so nothing is written",
            ex.Message, StringComparison.Ordinal));
        Assert.Equal((3L, forgedHead), await store.GetAuditHeadAsync());
        await AssertDetectedAsync(other, "record 3: differs from the checkpoint");
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_ReSealedUnkeyedThenARecordAppended_TheCheckpointedRecordIsLookedUpAndTheWriteRefused(string kind)
    {
        // The head past the newest checkpoint (an unkeyed record appended after the re-sealed chain): the writer looks up
        // the record the checkpoint names, not only the head, and finds it under another seal.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 2);
        await ReSealUnkeyedAsync(fixture, store, edit: 1, "user0", "alice");
        await AppendForgedAsync(fixture, store, (last, body) => AuditChain.ComputeHash(last.Hash, body)); // record 3, past the checkpoint

        var refused = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("after")));

        Assert.Contains("names record 2 with a seal the audit log no longer holds for it", refused.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await store.GetAuditHeadAsync()).Sequence);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_UnkeyedRecordAppendedPastTheCheckpointedEnd_TheWriteIsRefused(string kind)
    {
        // The checkpointed records untouched, a record sealed with plain SHA-256 appended after them: a keyed chain
        // never goes back to unkeyed seals, so the writer refuses rather than burying it under keyed records.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);
        await AppendForgedAsync(fixture, store, (last, body) => AuditChain.ComputeHash(last.Hash, body));

        var here = await Assert.ThrowsAsync<GovernanceStoreException>(() => store.AppendAuditAsync(Call("after")));
        await using var other = await fixture.OpenAsync();
        var there = await Assert.ThrowsAsync<GovernanceStoreException>(() => other.AppendAuditAsync(Call("after")));

        Assert.All(new[] { here, there }, ex => Assert.Contains(
            $"the newest audit record (4) is not sealed with an audit key, but the checkpoint file {fixture.CheckpointFile} holds checkpoints signed with it",
            ex.Message, StringComparison.Ordinal));
        Assert.Equal(4, (await store.GetAuditHeadAsync()).Sequence);
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Attack_ReSealedUnkeyedWrittenOnByAnOlderWriterThenCompacted_StillDetected(string kind)
    {
        // What the forgery came to before the writer refused it: keyed records written on top (here sealed by hand with
        // the real key, as a writer that did not check would), then the checkpoint file compacted. The compaction keeps
        // the oldest checkpoint besides the newest, and the oldest names a re-sealed record.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);
        var previous = await ReSealUnkeyedAsync(fixture, store, edit: 2, "user1", "alice");
        var keys = AuditKeyRing.OpenFile(fixture.KeyFile);
        var compacting = new AuditCheckpointFile(fixture.CheckpointFile, compactBytes: 1);
        for (var seq = 4; seq <= 5; seq++)
        {
            var row = AuditChain.Seal(Call("later" + seq), seq, previous, keys);
            await InsertAsync(fixture, row);
            await fixture.ExecuteAsync($"UPDATE audit_head SET seq = {seq}, hash = {Sql(row.Hash)} WHERE id = 1");
            compacting.Append(keys, seq, row.Hash, DateTimeOffset.UtcNow);
            previous = row.Hash;
        }

        Assert.Equal([1L, 5L], compacting.Read(keys).Valid.Select(c => c.Sequence)); // compacted: the oldest and the newest

        await AssertDetectedAsync(store, "record 1: differs from the checkpoint");
    }

    [Theory, SqliteStore, PostgresStore]
    public async Task Verify_KeyFileMissing_TamperingNeverImprovesTheVerdict(string kind)
    {
        // Without the key the untouched chain is "not verified"; emptied, or re-sealed without a key, it must not read
        // better: the checkpoints (signatures unchecked, and said so) still name what the chain must hold.
        await using var fixture = await StoreFixture.CreateAsync(kind);
        await using var store = await SeedAsync(fixture, 3);
        var missing = Path.Combine(Path.GetDirectoryName(fixture.KeyFile)!, "elsewhere", "audit.key");
        async Task<AuditVerification> VerifyWithoutKeyAsync()
        {
            await using var reader = TestStores.Open(fixture.Location, new AuditSealOptions { KeyFile = missing, CheckpointFile = fixture.CheckpointFile });
            await reader.InitializeAsync();
            return await reader.VerifyAuditAsync();
        }

        var untouched = await VerifyWithoutKeyAsync();
        Assert.False(untouched.IsValid);
        Assert.Same(Assert.Single(untouched.Problems), untouched.SealsNotChecked);
        Assert.Contains(untouched.Checked, c => c.Contains("3 checkpoint(s) in " + fixture.CheckpointFile + " read WITHOUT checking their signatures", StringComparison.Ordinal));

        await ReSealUnkeyedAsync(fixture, store, edit: 2, "user1", "alice");
        var reSealed = await VerifyWithoutKeyAsync();
        Assert.False(reSealed.IsValid);
        Assert.NotNull(reSealed.SealsNotChecked); // no keyed record left, but the checkpoint file has lines
        Assert.Contains(reSealed.Problems, p => p.StartsWith("record 3: differs from the checkpoint", StringComparison.Ordinal)
            && p.EndsWith("(the checkpoint's signature not checked: the audit key file is missing)", StringComparison.Ordinal));

        await fixture.ExecuteAsync($"DELETE FROM audit_log; UPDATE audit_head SET seq = 0, hash = {Sql(AuditChain.Genesis)} WHERE id = 1");
        var emptied = await VerifyWithoutKeyAsync();
        Assert.False(emptied.IsValid);
        Assert.Contains(emptied.Problems, p => p.Contains("names record 3 but the chain ends at record 0", StringComparison.Ordinal)
            && p.Contains("signature not checked", StringComparison.Ordinal));

        // A checkpoint file with nothing readable in it still says a keyed writer wrote this store: not verified.
        await File.WriteAllTextAsync(fixture.CheckpointFile, "not a checkpoint\n");
        var unreadable = await VerifyWithoutKeyAsync();
        Assert.False(unreadable.IsValid);
        Assert.Same(Assert.Single(unreadable.Problems), unreadable.SealsNotChecked);
        Assert.Contains($"the checkpoint file {fixture.CheckpointFile} (1 line(s); only a writer holding the audit key writes it) was not checked against its signatures", unreadable.SealsNotChecked, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[1,2]")]
    [InlineData("{\"sequence\":\"three\"}")]
    [InlineData("\"\u001b[2Kintact\"")]
    public void Export_UnreadableBody_AWellFormedLineHoldingTheStoredBody(string body)
    {
        var row = new AuditRow(3, body, AuditChain.Genesis, "hmac-sha256:0123456789abcdef:00ff");

        var line = AuditExport.ToJsonLine(row);
        var terminal = AuditExport.ToTerminalJsonLine(row);

        using var json = JsonDocument.Parse(line);
        Assert.Equal(3, json.RootElement.GetProperty("sequence").GetInt64());
        Assert.Equal(body, json.RootElement.GetProperty("unreadable_body").GetString());
        Assert.Equal(row.Hash, json.RootElement.GetProperty("hash").GetString());
        Assert.DoesNotContain('\u001b', terminal);
        using var fromTerminal = JsonDocument.Parse(terminal);
        Assert.Equal(body, fromTerminal.RootElement.GetProperty("unreadable_body").GetString());
    }

    [Fact]
    public void Export_ReadableBody_TheSealedJsonWithItsHashAsTheLastMember()
    {
        var keys = AuditKeyRing.FromKeys([new byte[32]], "test");
        var row = AuditChain.Seal(Call("alice"), 1, AuditChain.Genesis, keys);

        var line = AuditExport.ToJsonLine(row);

        Assert.Equal(row.Body[..^1] + ",\"hash\":\"" + row.Hash + "\"}", line);
        Assert.Equal("{\"hash\":\"h\"}", AuditExport.ToJsonLine(new AuditRow(1, "{ }", AuditChain.Genesis, "h")));
    }

    [Theory]
    [InlineData("PLACEHOLDER", "line one\nline two")] // a raw line break inside a string
    [InlineData("\"reason\":\"PLACEHOLDER\"", "\"reason\":\n\"x\"")] // one between a member's name and value
    public void Export_ReadableBodyEditedWithARawLineBreak_StaysOneLineOfJson(string placeholder, string edit)
    {
        // Readable (TryRead takes a raw control character inside a string as its escape), but written as stored the
        // export line broke in two, neither half JSON.
        var keys = AuditKeyRing.FromKeys([new byte[32]], "test");
        var sealedRow = AuditChain.Seal(new AuditRecord { Kind = AuditKinds.Call, Event = "tool.call", User = "alice", Tool = "t", Reason = "PLACEHOLDER", Time = DateTimeOffset.UnixEpoch }, 1, AuditChain.Genesis, keys);
        var row = new AuditRow(sealedRow.Sequence, sealedRow.Body.Replace(placeholder, edit, StringComparison.Ordinal), sealedRow.PreviousHash, sealedRow.Hash);
        Assert.True(AuditChain.TryRead(row, out var record));

        var line = AuditExport.ToJsonLine(row);

        Assert.DoesNotContain('\n', line);
        using var json = JsonDocument.Parse(line);
        Assert.Equal(record.Reason, json.RootElement.GetProperty("reason").GetString());
        Assert.Equal("alice", json.RootElement.GetProperty("user").GetString());
        Assert.Equal(row.Hash, json.RootElement.GetProperty("hash").GetString());
    }

    private static async Task<IGovernanceStore> SeedAsync(StoreFixture fixture, int records)
    {
        var store = await fixture.OpenAsync();
        for (var i = 0; i < records; i++)
        {
            await store.AppendAuditAsync(Call("user" + i));
        }

        return store;
    }

    /// <summary>
    /// Re-seals every record as a store from before keyed sealing was (plain SHA-256 over the previous hash and the body,
    /// each body's previous_hash set to its new link), record <paramref name="edit"/>'s user changed from
    /// <paramref name="from"/> to <paramref name="to"/> (body and column), and moves the head: what a database writer
    /// without the key can do. Returns the new head's seal.
    /// </summary>
    private static async Task<string> ReSealUnkeyedAsync(StoreFixture fixture, IGovernanceStore store, long edit, string from, string to)
    {
        var forged = new List<AuditRow>();
        var previous = AuditChain.Genesis;
        foreach (var record in (await ReadAllAsync(store)).Select(AuditChain.Read))
        {
            if (record.Sequence == edit)
            {
                Assert.Equal(from, record.User);
                record.User = to;
            }

            record.PreviousHash = previous;
            record.Hash = null;
            var body = JsonSerializer.Serialize(record, GovernanceJsonContext.Default.AuditRecord);
            var row = new AuditRow(record.Sequence, body, previous, AuditChain.ComputeHash(previous, body)) { Columns = AuditChain.ColumnsOf(record) };
            forged.Add(row);
            previous = row.Hash;
        }

        await RewriteChainAsync(fixture, forged);
        return previous;
    }

    private static async Task<AuditVerification> AssertDetectedAsync(IGovernanceStore store, string problem)
    {
        var verification = await store.VerifyAuditAsync();
        Assert.False(verification.IsValid);
        Assert.Contains(verification.Problems, p => p.Contains(problem, StringComparison.Ordinal));
        return verification;
    }

    /// <summary>Appends a record after the last one, correctly linked, with the seal <paramref name="seal"/> computes, and moves the head to it.</summary>
    private static async Task AppendForgedAsync(StoreFixture fixture, IGovernanceStore store, Func<AuditRow, string, string> seal)
    {
        var last = (await ReadAllAsync(store))[^1];
        var fake = Call("mallory");
        fake.Sequence = last.Sequence + 1;
        fake.PreviousHash = last.Hash;
        var body = JsonSerializer.Serialize(fake, GovernanceJsonContext.Default.AuditRecord);
        var forged = new AuditRow(fake.Sequence, body, last.Hash, seal(last, body)) { Columns = AuditChain.ColumnsOf(fake) };
        await InsertAsync(fixture, forged);
        await fixture.ExecuteAsync($"UPDATE audit_head SET seq = {forged.Sequence}, hash = {Sql(forged.Hash)} WHERE id = 1");
    }

    private static async Task RewriteChainAsync(StoreFixture fixture, List<AuditRow> rows)
    {
        await fixture.ExecuteAsync("DELETE FROM audit_log");
        foreach (var row in rows)
        {
            await InsertAsync(fixture, row);
        }

        var head = rows.Count == 0 ? (0, AuditChain.Genesis) : (rows[^1].Sequence, rows[^1].Hash);
        await fixture.ExecuteAsync($"UPDATE audit_head SET seq = {head.Item1}, hash = {Sql(head.Item2)} WHERE id = 1");
    }

    private static Task InsertAsync(StoreFixture fixture, AuditRow row)
    {
        var c = row.Columns!;
        return fixture.ExecuteAsync($"""
            INSERT INTO audit_log (seq, time, kind, event, user_name, tool, outcome, body, prev_hash, hash)
            VALUES ({row.Sequence}, {Sql(c.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}, {Sql(c.Kind)}, {Sql(c.Event)}, {Sql(c.User)}, {Sql(c.Tool)}, {Sql(c.Outcome)}, {Sql(row.Body)}, {Sql(row.PreviousHash)}, {Sql(row.Hash)})
            """);
    }

    private static string Sql(string? value) => value is null ? "NULL" : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static async Task<List<AuditRow>> ReadAllAsync(IGovernanceStore store)
    {
        var list = new List<AuditRow>();
        await foreach (var row in store.ReadAuditAsync())
        {
            list.Add(row);
        }

        return list;
    }

    /// <summary>
    /// Reads as a store paging through a growing chain does, once: the rows, then one record appended and read as
    /// the next page, then two more appended after the last page (before the verifier reads the head again).
    /// </summary>
    private sealed class AppendingWhileReadStore(IGovernanceStore inner) : DelegatingGovernanceStore(inner)
    {
        private int _reads;

        public override async IAsyncEnumerable<AuditRow> ReadAuditAsync(long afterSequence = 0, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var last = afterSequence;
            await foreach (var row in Inner.ReadAuditAsync(afterSequence, cancellationToken))
            {
                last = row.Sequence;
                yield return row;
            }

            if (Interlocked.Increment(ref _reads) != 1)
            {
                yield break;
            }

            // The next page: one record committed before it is read, two after it.
            await Inner.AppendAuditAsync(Call("during"), cancellationToken);
            await foreach (var row in Inner.ReadAuditAsync(last, cancellationToken))
            {
                yield return row;
            }

            await Inner.AppendAuditAsync(Call("after-1"), cancellationToken);
            await Inner.AppendAuditAsync(Call("after-2"), cancellationToken);
        }
    }
}
