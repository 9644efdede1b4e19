//go:build !k136

package main

import (
	cpustate "k8s.io/kubernetes/pkg/kubelet/cm/cpumanager/state"
	memstate "k8s.io/kubernetes/pkg/kubelet/cm/memorymanager/state"
)

func setGate(on bool) {
	if on {
		panic("no PodLevelResourceManagers gate before 1.36")
	}
}

func writePodLevel(cpustate.State, memstate.State) { panic("no pod-level state before 1.36") }

func readPodCPU(cpustate.State, map[string]interface{}) {}

func readPodMemory(memstate.State, map[string]interface{}) {}
