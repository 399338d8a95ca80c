module github.com/narallm/nara

go 1.26.0

require golang.org/x/sys v0.50.0

require (
	github.com/dlclark/regexp2 v1.12.0 // indirect
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	golang.org/x/text v0.23.0 // indirect
)
