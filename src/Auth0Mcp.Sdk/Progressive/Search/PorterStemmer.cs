namespace Auth0Mcp.Sdk.Progressive.Search;

/// <summary>
/// The Porter (1980) suffix-stripping stemmer for lower-case English words: <c>blocked</c>, <c>blocking</c> and
/// <c>blocks</c> become <c>block</c>; <c>connections</c> and <c>connected</c> become <c>connect</c>.
/// </summary>
internal static class PorterStemmer
{
    /// <summary>The stem of <paramref name="word"/> (lower-case letters; anything else, or a word of two letters or fewer, comes back unchanged).</summary>
    public static string Stem(string word)
    {
        if (word.Length <= 2 || !IsLowerAscii(word))
        {
            return word;
        }

        var w = new Word(word);
        w.Step1A();
        w.Step1B();
        w.Step1C();
        w.Step2();
        w.Step3();
        w.Step4();
        w.Step5();
        return w.ToString();
    }

    private static bool IsLowerAscii(string word)
    {
        foreach (var c in word)
        {
            if (c is < 'a' or > 'z')
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Word(string text)
    {
        private readonly char[] _b = text.ToCharArray();
        private int _k = text.Length; // the current length
        private int _j;               // the length of the stem before a matched suffix

        public override string ToString() => new(_b, 0, _k);

        public void Step1A()
        {
            if (Ends("sses"))
            {
                _k -= 2;
            }
            else if (Ends("ies"))
            {
                SetTo("i");
            }
            else if (_k > 1 && _b[_k - 1] == 's' && _b[_k - 2] != 's')
            {
                _k--;
            }
        }

        public void Step1B()
        {
            if (Ends("eed"))
            {
                if (Measure() > 0)
                {
                    _k--;
                }

                return;
            }

            if ((Ends("ed") || Ends("ing")) && VowelInStem())
            {
                _k = _j;
                if (Ends("at") || Ends("bl") || Ends("iz"))
                {
                    SetTo(_b[_k - 1] == 't' ? "ate" : _b[_k - 1] == 'l' ? "ble" : "ize");
                }
                else if (DoubleConsonant(_k - 1))
                {
                    if (_b[_k - 1] is not ('l' or 's' or 'z'))
                    {
                        _k--;
                    }
                }
                else if (MeasureOf(_k) == 1 && Cvc(_k - 1))
                {
                    _b[_k++] = 'e';
                }
            }
        }

        public void Step1C()
        {
            if (Ends("y") && VowelInStem())
            {
                _b[_k - 1] = 'i';
            }
        }

        public void Step2()
        {
            if (_k < 3)
            {
                return;
            }

            ReplaceFirst(Step2Rules, 0);
        }

        public void Step3() => ReplaceFirst(Step3Rules, 0);

        public void Step4()
        {
            foreach (var suffix in Step4Suffixes)
            {
                if (Ends(suffix))
                {
                    if (suffix == "ion" && !(_j > 0 && _b[_j - 1] is 's' or 't'))
                    {
                        return;
                    }

                    if (Measure() > 1)
                    {
                        _k = _j;
                    }

                    return;
                }
            }
        }

        public void Step5()
        {
            _j = _k;
            if (_b[_k - 1] == 'e')
            {
                var m = MeasureOf(_k - 1);
                if (m > 1 || (m == 1 && !Cvc(_k - 2)))
                {
                    _k--;
                }
            }

            if (_k > 1 && _b[_k - 1] == 'l' && DoubleConsonant(_k - 1) && MeasureOf(_k) > 1)
            {
                _k--;
            }
        }

        private static readonly (string From, string To)[] Step2Rules =
        [
            ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"), ("bli", "ble"),
            ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"), ("ation", "ate"),
            ("ator", "ate"), ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"),
            ("iviti", "ive"), ("biliti", "ble"), ("logi", "log"),
        ];

        private static readonly (string From, string To)[] Step3Rules =
        [
            ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
        ];

        private static readonly string[] Step4Suffixes =
        [
            "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate",
            "iti", "ous", "ive", "ize",
        ];

        private void ReplaceFirst((string From, string To)[] rules, int minMeasure)
        {
            foreach (var (from, to) in rules)
            {
                if (Ends(from))
                {
                    if (Measure() > minMeasure)
                    {
                        SetTo(to);
                    }

                    return;
                }
            }
        }

        // Longest-suffix order matters only among suffixes sharing an ending; Step4 lists "ement" before "ment" before "ent".
        private bool Ends(string suffix)
        {
            var length = suffix.Length;
            if (length > _k)
            {
                return false;
            }

            for (var i = 0; i < length; i++)
            {
                if (_b[_k - length + i] != suffix[i])
                {
                    return false;
                }
            }

            _j = _k - length;
            return true;
        }

        private void SetTo(string replacement)
        {
            for (var i = 0; i < replacement.Length; i++)
            {
                _b[_j + i] = replacement[i];
            }

            _k = _j + replacement.Length;
        }

        private bool IsConsonant(int i) => _b[i] switch
        {
            'a' or 'e' or 'i' or 'o' or 'u' => false,
            'y' => i == 0 || !IsConsonant(i - 1),
            _ => true,
        };

        // m() of the stem before the matched suffix: the number of vowel-consonant sequences in _b[0.._j).
        private int Measure() => MeasureOf(_j);

        private int MeasureOf(int end)
        {
            var n = 0;
            var i = 0;
            while (i < end && IsConsonant(i))
            {
                i++;
            }

            while (i < end)
            {
                while (i < end && !IsConsonant(i))
                {
                    i++;
                }

                if (i >= end)
                {
                    break;
                }

                while (i < end && IsConsonant(i))
                {
                    i++;
                }

                n++;
            }

            return n;
        }

        private bool VowelInStem()
        {
            for (var i = 0; i < _j; i++)
            {
                if (!IsConsonant(i))
                {
                    return true;
                }
            }

            return false;
        }

        private bool DoubleConsonant(int i) => i >= 1 && _b[i] == _b[i - 1] && IsConsonant(i);

        // consonant-vowel-consonant ending at i, where the last consonant is not w, x or y.
        private bool Cvc(int i) =>
            i >= 2 && IsConsonant(i) && !IsConsonant(i - 1) && IsConsonant(i - 2) && _b[i] is not ('w' or 'x' or 'y');
    }
}
