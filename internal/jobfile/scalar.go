package jobfile

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Values are read by their yaml.v3 tag, so that `shield: yes` (a string in
// YAML 1.2) is not taken for true and `retries: "3"` is not a number. Text
// values (run, shell, dir, env values, job names in needs) take any scalar
// but null as its literal text: `A: 010` is "010", `run: true` runs true.

// scalarValue resolves the value of kv and returns it when it is a scalar
// other than null, or a wrong-type error that says what was wanted.
func (p *parser) scalarValue(kv pair, want string) (*yaml.Node, error) {
	v, err := p.resolve(kv.value)
	if err != nil {
		return nil, err
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() == nullTag {
		return nil, p.errorf(kv.value, msgWrongType, kv.key.Value, want, describe(v))
	}
	return v, nil
}

// nonEmptyText is the literal text of kv's value, which must not be
// blank.
func (p *parser) nonEmptyText(kv pair, want string) (string, error) {
	v, err := p.scalarValue(kv, want)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(v.Value) == "" {
		return "", p.errorf(kv.value, msgEmpty, kv.key.Value)
	}
	return v.Value, nil
}

// boolean is kv's value, true or false.
func (p *parser) boolean(kv pair) (bool, error) {
	const want = "true or false"
	v, err := p.scalarValue(kv, want)
	if err != nil {
		return false, err
	}
	b, ok := yamlBool(v)
	if !ok {
		return false, p.errorf(kv.value, msgWrongType, kv.key.Value, want, describe(v))
	}
	return b, nil
}

// integer is kv's value, an integer from lo to hi.
func (p *parser) integer(kv pair, lo, hi int) (int, error) {
	want := fmt.Sprintf("an integer from %d to %d", lo, hi)
	v, err := p.scalarValue(kv, want)
	if err != nil {
		return 0, err
	}
	n, ok := yamlInt(v)
	if !ok || n < int64(lo) || n > int64(hi) {
		return 0, p.errorf(kv.value, msgWrongType, kv.key.Value, want, describe(v))
	}
	return int(n), nil
}

// yamlBool is the value of a !!bool scalar (the spellings yaml.v3
// resolves: true, True, TRUE, false, False, FALSE). yaml.Node.Decode
// would do, at the cost of a decoder per call.
func yamlBool(v *yaml.Node) (b, ok bool) {
	if v.ShortTag() != boolTag {
		return false, false
	}
	switch v.Value {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}

// yamlInt is the value of an !!int scalar: decimal, 0x, 0o, 0b or 0777
// octal, with an optional sign and _ separators, as yaml.v3 resolves
// them.
func yamlInt(v *yaml.Node) (int64, bool) {
	if v.ShortTag() != intTag {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(v.Value, "_", ""), 0, 64)
	return n, err == nil
}

// duration is kv's value, a Go duration ("500ms", "5s", "1m30s").
func (p *parser) duration(kv pair) (time.Duration, *yaml.Node, error) {
	v, err := p.scalarValue(kv, `a duration like "5s"`)
	if err != nil {
		return 0, nil, err
	}
	d, problem := parseDuration(v.Value)
	if problem != "" {
		return 0, nil, p.errorf(kv.value, msgBadDuration, v.Value, kv.key.Value, problem)
	}
	return d, v, nil
}

// parseDuration is time.ParseDuration with a problem a person can act on:
// a number without a unit, a unit that is not one, or the wrong form.
func parseDuration(s string) (time.Duration, string) {
	d, err := time.ParseDuration(s)
	switch {
	case err == nil:
		return d, ""
	case isDecimal(s):
		return 0, fmt.Sprintf(msgDurationUnit, s)
	}
	if u := unknownUnit(s); u != "" {
		return 0, fmt.Sprintf(msgDurationUnits, u)
	}
	return 0, msgDurationForm
}

// isDecimal reports whether s is a plain decimal number: an optional sign,
// digits and at most one point.
func isDecimal(s string) bool {
	s = strings.TrimLeft(s, "+-")
	digits, points := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		default:
			return false
		}
	}
	return digits > 0 && points <= 1
}

// unknownUnit returns the first unit of s that time.ParseDuration does not
// know, when s otherwise has a duration's form (numbers each followed by
// letters), or "".
func unknownUnit(s string) string {
	s = strings.TrimLeft(s, "+-")
	for s != "" {
		num := strings.IndexFunc(s, func(c rune) bool { return (c < '0' || c > '9') && c != '.' })
		if num <= 0 {
			return ""
		}
		s = s[num:]
		unit := s
		if end := strings.IndexAny(s, "0123456789."); end >= 0 {
			unit = s[:end]
		}
		s = s[len(unit):]
		if strings.ContainsFunc(unit, func(c rune) bool { return !unicode.IsLetter(c) }) {
			return ""
		}
		switch unit {
		case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
		default:
			return unit
		}
	}
	return ""
}
