using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Results;

using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Hardware;

public sealed class SysfsCachesTests
{
    [Fact]
    public void Cache_levels_are_read_from_the_index_folders_in_level_order()
    {
        using var cache = new TemporaryFolder();
        // Laid out as on an Intel Xeon Gold 6252; written out of order on purpose.
        cache.Write("index3/level", "3\n"); cache.Write("index3/type", "Unified\n"); cache.Write("index3/size", "36608K\n");
        cache.Write("index0/level", "1\n"); cache.Write("index0/type", "Data\n"); cache.Write("index0/size", "32K\n");
        cache.Write("index2/level", "2\n"); cache.Write("index2/type", "Unified\n"); cache.Write("index2/size", "1024K\n");
        cache.Write("index1/level", "1\n"); cache.Write("index1/type", "Instruction\n"); cache.Write("index1/size", "32K\n");
        cache.Write("index4/level", "4\n"); // incomplete entry: skipped
        cache.Write("uevent", "");

        Assert.Equal(
        [
            new CacheLevel(1, "Data", 32 * 1024, "sysfs"),
            new CacheLevel(1, "Instruction", 32 * 1024, "sysfs"),
            new CacheLevel(2, "Unified", 1024 * 1024, "sysfs"),
            new CacheLevel(3, "Unified", 36608L * 1024, "sysfs"),
        ], SysfsCaches.Read(cache.Path));
    }

    [Fact]
    public void A_missing_folder_gives_no_levels()
    {
        using var root = new TemporaryFolder();
        Assert.Empty(SysfsCaches.Read(Path.Combine(root.Path, "cache")));
    }

    [Theory]
    [InlineData("32K", 32L * 1024)]
    [InlineData("1024K\n", 1024L * 1024)]
    [InlineData("32M", 32L * 1024 * 1024)]
    [InlineData("512", 512L)]
    [InlineData("K", null)]
    [InlineData("12.5K", null)]
    public void Sizes_are_read_with_their_unit(string text, long? bytes) => Assert.Equal(bytes, SysfsCaches.ParseSize(text));
}
