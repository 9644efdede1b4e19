//go:build !k133

package main

import (
	"google.golang.org/protobuf/proto"
	pluginapi "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"
)

func allocErr(b []byte) *string {
	if err := proto.Unmarshal(b, &pluginapi.ContainerAllocateResponse{}); err != nil {
		s := err.Error()
		return &s
	}
	return nil
}
