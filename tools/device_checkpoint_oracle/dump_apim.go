//go:build !k136

package main

import "k8s.io/apimachinery/pkg/util/dump"

func forHash(v interface{}) string { return dump.ForHash(v) }
