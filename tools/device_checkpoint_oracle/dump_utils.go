//go:build k136

package main

import "k8s.io/utils/dump"

func forHash(v interface{}) string { return dump.ForHash(v) }
