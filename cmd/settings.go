package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/aiorun/aiorun/internal/app"
	"github.com/aiorun/aiorun/internal/event"
)

// EnvPrefix names the environment variables that set flags: AIORUN_TIMEOUT
// for --timeout, AIORUN_MAX_WORKERS for --max-workers.
const EnvPrefix = "AIORUN"

// ConfigFile is the config file looked for in the current directory,
// before $XDG_CONFIG_HOME/aiorun/config.yaml.
const ConfigFile = ".aiorun.yaml"

// settings resolves a command's flags through one viper instance:
// flag > AIORUN_* environment > config file > default.
type settings struct {
	v     *viper.Viper
	flags *pflag.FlagSet
	file  string // the config file read, "" if none
}

func loadSettings(c *cobra.Command) (*settings, error) {
	v := viper.New()
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	if err := v.BindPFlags(c.Flags()); err != nil {
		return nil, err
	}
	s := &settings{v: v, flags: c.Flags()}
	path, err := configPath()
	if err != nil || path == "" {
		return s, err
	}
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, &app.UsageError{Msg: fmt.Sprintf("config file %s: %v", path, err)}
	}
	s.file = path
	return s, s.checkKeys()
}

// configPath finds the config file: ./.aiorun.yaml, else
// $XDG_CONFIG_HOME/aiorun/config.yaml (XDG_CONFIG_HOME defaults to
// ~/.config). "" when there is none.
func configPath() (string, error) {
	candidates := []string{ConfigFile}
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".config")
		}
	}
	if dir != "" {
		candidates = append(candidates, filepath.Join(dir, "aiorun", "config.yaml"))
	}
	for _, p := range candidates {
		info, err := os.Stat(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			return "", &app.UsageError{Msg: fmt.Sprintf("config file: %v", err)}
		case info.IsDir():
			return "", &app.UsageError{Msg: fmt.Sprintf("config file %s: is a directory", p)}
		}
		return p, nil
	}
	return "", nil
}

// checkKeys refuses config keys that are no flag of any mode command, so
// that a typo is not silently ignored.
func (s *settings) checkKeys() error {
	known := append([]string{"file", "timeout", "return-exceptions", "max-workers", "grace", "debug", "color", "json"}, outputKeys...)
	known = append(known, remoteKeys...)
	for _, key := range s.v.AllKeys() {
		if slices.Contains(known, key) || s.flags.Lookup(key) != nil {
			continue
		}
		if s.v.InConfig(key) {
			return &app.UsageError{Msg: fmt.Sprintf("config file %s: unknown key %q; the keys are the long flag names: %s",
				s.file, key, strings.Join(known, ", "))}
		}
	}
	return nil
}

func (s *settings) str(key string) string { return s.v.GetString(key) }

// envVar is the environment variable that sets key.
func envVar(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// key names where key's value came from, for error messages, in order of
// precedence: the flag, the environment, the config file.
func (s *settings) key(key string) string {
	if f := s.flags.Lookup(key); f != nil && f.Changed {
		return "--" + key
	}
	if os.Getenv(envVar(key)) != "" {
		return envVar(key)
	}
	if s.file != "" && s.v.InConfig(key) {
		return key + " in " + s.file
	}
	return "--" + key
}

// given reports whether the user set key anywhere, rather than leaving
// its default. An empty environment variable counts as unset, as viper
// reads it.
func (s *settings) given(key string) bool {
	inEnv := os.Getenv(envVar(key)) != ""
	f := s.flags.Lookup(key)
	return inEnv || s.v.InConfig(key) || (f != nil && f.Changed)
}

// modeOptions reads the settings of run, gather and as-completed, parsing
// each value strictly: "5" is no duration, "yes please" no boolean.
func (s *settings) modeOptions(mode event.Mode) (app.Options, error) {
	opts := app.Options{Mode: mode, Color: s.str("color")}
	var errs []error
	dur := func(key string) time.Duration {
		text := s.str(key)
		if text == "" {
			return 0
		}
		d, err := time.ParseDuration(text)
		if err == nil && d < 0 {
			err = errors.New("must not be negative")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: bad duration %q: %v", s.key(key), text, trimParseErr(err)))
		}
		return d
	}
	boolean := func(key string) bool {
		text := s.str(key)
		if text == "" {
			return false
		}
		b, err := strconv.ParseBool(text)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: want true or false, got %q", s.key(key), text))
		}
		return b
	}
	opts.Timeout = dur("timeout")
	opts.Grace = dur("grace")
	opts.ReturnExceptions = boolean("return-exceptions")
	opts.Debug = boolean("debug")
	opts.JSON = boolean("json")
	if text := s.str("max-workers"); text != "" {
		n, err := strconv.Atoi(text)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: want a whole number, got %q", s.key("max-workers"), text))
		case n < 1 && s.given("max-workers"):
			errs = append(errs, fmt.Errorf("%s: must be at least 1, got %d", s.key("max-workers"), n))
		}
		opts.MaxWorkers = max(n, 0)
	}
	if c := opts.Color; c != "auto" && c != "always" && c != "never" {
		errs = append(errs, fmt.Errorf("%s: want auto, always or never, got %q", s.key("color"), c))
	}
	errs = append(errs, s.outputOptions(&opts)...)
	errs = append(errs, s.remoteOptions(&opts)...)
	if len(errs) > 0 {
		return opts, &app.UsageError{Msg: errors.Join(errs...).Error()}
	}
	return opts, nil
}

// trimParseErr keeps what is wrong from time.ParseDuration's message,
// `time: missing unit in duration "5"`: "missing unit in duration".
func trimParseErr(err error) string {
	msg := strings.TrimPrefix(err.Error(), "time: ")
	if i := strings.LastIndex(msg, ` "`); i > 0 {
		msg = msg[:i]
	}
	return msg
}
