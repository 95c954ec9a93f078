using System.Collections.Immutable;
using System.Globalization;
using FormFollowsFunction.Architectures.Blocks.Darts;

namespace FormFollowsFunction.Architectures.Specs;

/// <summary>A genotype text that does not follow the DARTS code's notation; the message says where and what was expected.</summary>
public sealed class GenotypeSyntaxException(string message) : Exception(message);

/// <summary>
/// Reads a genotype as the DARTS code writes it (genotypes.py, and what its search prints):
/// <c>Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=range(2, 6))</c>.
/// The <c>Genotype(...)</c> wrapper is optional; quotes may be single or double; <c>range(a, b)</c> is
/// Python's half-open range. Operation names and state indices are then checked by <see cref="Genotype"/>.
/// </summary>
public static class GenotypeNotation
{
    private static readonly string[] Keys = ["normal", "normal_concat", "reduce", "reduce_concat"];

    public static Genotype Parse(string text, string name)
    {
        var reader = new Reader(text);
        reader.SkipSpace();
        bool wrapped = reader.TryWord("Genotype");
        if (wrapped) reader.Expect('(');
        var values = new Dictionary<string, object>();
        while (true)
        {
            reader.SkipSpace();
            if (wrapped ? reader.Peek == ')' : reader.AtEnd) break;
            int at = reader.Position;
            string key = reader.Identifier();
            if (!Keys.Contains(key))
            {
                string? nearest = KeySuggestion.Nearest(key, Keys);
                throw reader.Fail(at, $"unknown genotype field '{key}'{(nearest is null ? $"; the fields are {string.Join(", ", Keys)}" : $"; did you mean '{nearest}'?")}");
            }
            if (values.ContainsKey(key)) throw reader.Fail(at, $"genotype field '{key}' is given twice");
            reader.Expect('=');
            values[key] = key.EndsWith("_concat", StringComparison.Ordinal) ? reader.Indices() : reader.Edges();
            reader.SkipSpace();
            if (!reader.TryChar(',')) break;
        }
        if (wrapped) reader.Expect(')');
        reader.SkipSpace();
        if (!reader.AtEnd) throw reader.Fail(reader.Position, $"unexpected '{reader.Peek}' after the genotype");
        if (Keys.FirstOrDefault(k => !values.ContainsKey(k)) is { } missing)
            throw new GenotypeSyntaxException($"genotype field '{missing}' is missing; the DARTS notation gives {string.Join(", ", Keys)}");
        try
        {
            return new Genotype(name, (ImmutableArray<GenotypeEdge>)values["normal"], (ImmutableArray<int>)values["normal_concat"],
                (ImmutableArray<GenotypeEdge>)values["reduce"], (ImmutableArray<int>)values["reduce_concat"]);
        }
        catch (ArgumentException e)
        {
            throw new GenotypeSyntaxException(e.Message);
        }
    }

    /// <summary>A cursor over the text; positions in messages are 1-based characters.</summary>
    private sealed class Reader(string text)
    {
        public int Position { get; private set; }

        public bool AtEnd => Position >= text.Length;

        public char Peek => AtEnd ? '\0' : text[Position];

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[Position])) Position++;
        }

        public bool TryChar(char c)
        {
            SkipSpace();
            if (Peek != c) return false;
            Position++;
            return true;
        }

        public void Expect(char c)
        {
            if (!TryChar(c)) throw Fail(Position, $"expected '{c}' but found {(AtEnd ? "the end" : $"'{Peek}'")}");
        }

        public bool TryWord(string word)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, Position, word, 0, word.Length) != 0) return false;
            Position += word.Length;
            return true;
        }

        public string Identifier()
        {
            SkipSpace();
            int start = Position;
            while (!AtEnd && (char.IsLetterOrDigit(Peek) || Peek == '_')) Position++;
            if (Position == start) throw Fail(start, $"expected a field name but found {(AtEnd ? "the end" : $"'{Peek}'")}");
            return text[start..Position];
        }

        public int Integer()
        {
            SkipSpace();
            int start = Position;
            while (!AtEnd && char.IsAsciiDigit(Peek)) Position++;
            if (Position == start) throw Fail(start, $"expected a state number but found {(AtEnd ? "the end" : $"'{Peek}'")}");
            return int.Parse(text.AsSpan(start, Position - start), CultureInfo.InvariantCulture);
        }

        public string Quoted()
        {
            SkipSpace();
            char quote = Peek;
            if (quote is not ('\'' or '"')) throw Fail(Position, $"expected a quoted operation name such as 'sep_conv_3x3' but found {(AtEnd ? "the end" : $"'{Peek}'")}");
            int end = text.IndexOf(quote, Position + 1);
            if (end < 0) throw Fail(Position, "the operation name's quote is not closed");
            string value = text[(Position + 1)..end];
            Position = end + 1;
            return value;
        }

        /// <summary><c>[('op', 0), ...]</c>; lists of lists (<c>[['op', 0]]</c>) are accepted too.</summary>
        public ImmutableArray<GenotypeEdge> Edges()
        {
            var edges = ImmutableArray.CreateBuilder<GenotypeEdge>();
            Expect('[');
            while (!TryChar(']'))
            {
                if (edges.Count > 0) Expect(',');
                if (TryChar(']')) break;
                char close = TryChar('(') ? ')' : TryCharThen('[', ']');
                string operation = Quoted();
                Expect(',');
                int input = Integer();
                Expect(close);
                edges.Add(new GenotypeEdge(operation, input));
            }
            return edges.ToImmutable();
        }

        /// <summary><c>[2, 3, 4, 5]</c> or <c>range(2, 6)</c>.</summary>
        public ImmutableArray<int> Indices()
        {
            if (TryWord("range"))
            {
                Expect('(');
                int start = Integer();
                Expect(',');
                int stop = Integer();
                Expect(')');
                if (stop <= start) throw Fail(Position, $"range({start}, {stop}) is empty");
                return [.. Enumerable.Range(start, stop - start)];
            }
            var indices = ImmutableArray.CreateBuilder<int>();
            Expect('[');
            while (!TryChar(']'))
            {
                if (indices.Count > 0) Expect(',');
                if (TryChar(']')) break;
                indices.Add(Integer());
            }
            return indices.ToImmutable();
        }

        public GenotypeSyntaxException Fail(int position, string message) =>
            new($"{message} (character {position + 1} of the genotype)");

        private char TryCharThen(char open, char close)
        {
            Expect(open);
            return close;
        }
    }
}
