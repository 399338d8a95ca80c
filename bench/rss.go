package bench

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
)

// PeakRSS returns the most resident memory this process has held so far,
// in bytes (Linux's VmHWM: heap, stacks and the touched pages of mapped
// files such as a model's weights), and false where the system does not
// report it.
func PeakRSS() (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	return parseVmHWM(f)
}

// parseVmHWM reads the "VmHWM:   1234 kB" line of a /proc/PID/status.
func parseVmHWM(r io.Reader) (int64, bool) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || kb < 0 {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}
