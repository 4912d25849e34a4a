package remote

import (
	"fmt"
	"strings"
)

// Quote writes s as one word for a POSIX shell: in single quotes, each '
// written as '\” (close, escaped quote, reopen). Every byte but NUL
// stands for itself inside single quotes, newlines and non-ASCII
// included, so any environment value or path survives whole.
func Quote(s string) string {
	if s != "" && safeWord(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// safeWord reports whether s needs no quotes: only characters that no
// shell treats specially.
func safeWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("_-./:@%+=,", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// SplitWords splits a command setting (ssh_command, --ssh-command) into
// words as a POSIX shell would, without expanding anything: blanks
// separate words; single quotes keep everything literally; double quotes
// keep everything but \" \\ \$ \`, which lose their backslash; a
// backslash outside quotes keeps the next character. "ssh -F 'ci/my
// config'" is [ssh -F ci/my config].
func SplitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			inWord = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf(`unterminated " in %q`, s)
			}
		case c == '\\':
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
