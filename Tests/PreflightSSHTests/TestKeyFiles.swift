import Foundation
import NIOSSH
import Testing

@testable import PreflightSSH

/// Key files made with `ssh-keygen` for these tests only (throwaway keys, never used anywhere else).
enum TestKeyFiles {
    static let ed25519 = """
        -----BEGIN OPENSSH PRIVATE KEY-----
        b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
        QyNTUxOQAAACDgtLgsoANV5TVpuAGEC9OYkG5eYkW/RSEuImw4nGvkQQAAAIhL6XeZS+l3
        mQAAAAtzc2gtZWQyNTUxOQAAACDgtLgsoANV5TVpuAGEC9OYkG5eYkW/RSEuImw4nGvkQQ
        AAAEAQvVSAU0b/TFzlR5vWIgF38xzSdJD7CBce/WFZafinEeC0uCygA1XlNWm4AYQL05iQ
        bl5iRb9FIS4ibDica+RBAAAAAXQBAgME
        -----END OPENSSH PRIVATE KEY-----
        """
    /// `ssh-keygen -l -E sha256` of ed25519's public key.
    static let ed25519Public = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOC0uCygA1XlNWm4AYQL05iQbl5iRb9FIS4ibDica+RB t"
    static let ed25519Fingerprint = "SHA256:Knhw0ir8WDfV22OuqBX5nxzwQ8uWOa1j39Pra+fUV+c"
    static let ecdsa256 = """
        -----BEGIN OPENSSH PRIVATE KEY-----
        b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAaAAAABNlY2RzYS
        1zaGEyLW5pc3RwMjU2AAAACG5pc3RwMjU2AAAAQQRXeuDxckZxgttCByD4ycQVsuGN+4OT
        2vcOWErgeuJRAEYYHfMmJBbnMMYcxpqFnr9cmY4yQoXD7Vfm/YasjtSZAAAAoE9meypPZn
        sqAAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFd64PFyRnGC20IH
        IPjJxBWy4Y37g5Pa9w5YSuB64lEARhgd8yYkFucwxhzGmoWev1yZjjJChcPtV+b9hqyO1J
        kAAAAgTZWjTVU6Oqrj/l6Mn9nO3vjGED6tT96m5ej6RPtmGH4AAAABdAECAwQFBgc=
        -----END OPENSSH PRIVATE KEY-----
        """
    static let ecdsa384 = """
        -----BEGIN OPENSSH PRIVATE KEY-----
        b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAiAAAABNlY2RzYS
        1zaGEyLW5pc3RwMzg0AAAACG5pc3RwMzg0AAAAYQROe6IGrDr8AY3EGwwnqEC7Epdu2JbG
        bOTibOVOf8dfQbY2A5u1/hm46c9Icj6308hTVqF27dHxLxATVibPzh3tAOG4UiDdDOvzRa
        1boogqhzzRI4W3SaLdobDkVF3dmCAAAADQdmmY7nZpmO4AAAATZWNkc2Etc2hhMi1uaXN0
        cDM4NAAAAAhuaXN0cDM4NAAAAGEETnuiBqw6/AGNxBsMJ6hAuxKXbtiWxmzk4mzlTn/HX0
        G2NgObtf4ZuOnPSHI+t9PIU1ahdu3R8S8QE1Ymz84d7QDhuFIg3Qzr80WtW6KIKoc80SOF
        t0mi3aGw5FRd3ZggAAAAMFcM+ssheg+79dsHAdM2qynO7t6p57bxMHDy98ypYidB/JyeIm
        ZIPkde31Nt4hY/KwAAAAF0AQIDBAUGBw==
        -----END OPENSSH PRIVATE KEY-----
        """
    static let encryptedEd25519 = """
        -----BEGIN OPENSSH PRIVATE KEY-----
        b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABCODGCRJ8
        ColDb66gDOi3qcAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIDFgWJSyFTH41vvE
        G0seur+nrB847xoJxydNbgvmdg1VAAAAkJB7667jBFIvAr7qX42eUaf9BwfcbBzRQcQzRn
        K27eOzC3YeTeZlQBHbTg0Y4ATkxzvXEsIY+SX1iiKvPlY38rdQjLD6ihhSDSbCXMSmpMHE
        +A/JHehu6/n8UX5qbssFRVA9Ynr3/Lkey9B2vgbd8k28c5t8EN0l1Er6DH9+cAxIzWFT0p
        TNMuUzQ5UxcPnLjw==
        -----END OPENSSH PRIVATE KEY-----
        """
    static let rsa = """
        -----BEGIN OPENSSH PRIVATE KEY-----
        b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAlwAAAAdzc2gtcn
        NhAAAAAwEAAQAAAIEAwhr/G/2i+qhhgtIJTHeZez6DjHvoG9H8yFEe4RKrZ5/DMQ+9VMrS
        +3Cdg9eEiI9Zq99un7n/heqIdr6a+uD55XTF1L8d5ONVut7jTCzHXXR5z9yi1J5nXXXRxl
        igxxKX8t0J88sJ9/FBx9PK14RhBAj5dAZR6ehIYgssJmA+4fEAAAH4G+AzFxvgMxcAAAAH
        c3NoLXJzYQAAAIEAwhr/G/2i+qhhgtIJTHeZez6DjHvoG9H8yFEe4RKrZ5/DMQ+9VMrS+3
        Cdg9eEiI9Zq99un7n/heqIdr6a+uD55XTF1L8d5ONVut7jTCzHXXR5z9yi1J5nXXXRxlig
        xxKX8t0J88sJ9/FBx9PK14RhBAj5dAZR6ehIYgssJmA+4fEAAAADAQABAAAAgQCVw8quSC
        bmC+Eg1PpDu8v6YaOSU1AllwHZdW3D72m9DHHIewJ0WAIt6xg9z538184yZLSwHQzgwLMG
        G87sX4WvgrjC0POoQE0R2UtLzZkREWOl0WR0DSvEZGCtIaDBNCA4PeLQen+FHb21JMCQk0
        o/5OkracFAoG6+tfc6s1o92QAAAEAcAd4R31N5DOUDN1f7ltv5QMGkaZ7eXJOtlElCAO4g
        RoC0bh4ybSYELL2xfLIGgi27ik7kyePG42AzzN+g9QpvAAAAQQDsF+tGH3wlr0BUvdhtxw
        3hwAr+OEiGmQXTPivmeniIpVXF6rn8fNNPNA0ymgPnzt1m9ZTSTLUuB2FPrYcuur33AAAA
        QQDSeMQm5RHA/sBARAZ1VayvEB9NrsEuqPD+TAeLmvzKzb7JfD7vCy+P4nBEOyhsKtscpf
        pDf6kPRRFGD42c4YVXAAAAAXQB
        -----END OPENSSH PRIVATE KEY-----
        """
}
